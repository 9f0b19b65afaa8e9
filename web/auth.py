"""The staff login: credentials from the settings, HTTP Basic for the JSON API.

The page itself is guarded by Gradio's own login form (``mount_gradio_app(auth=...)``) with
the same credentials.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field

from vectorstore.settings import Settings

#: Longest Authorization header read (a Basic header of a sane login is far shorter).
MAX_AUTH_HEADER_CHARS = 1024


@dataclass(frozen=True)
class StaffCredentials:
    username: str
    password: str = field(default="", repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffCredentials:
        """The staff login; raises ValueError when none is configured."""
        user = (settings.staff_username or "").strip()
        password = settings.staff_password.get_secret_value() if settings.staff_password else ""
        if not user or not password:
            raise ValueError(
                "Staff mode needs credentials: set ASKER_STAFF_USERNAME and ASKER_STAFF_PASSWORD."
            )
        return cls(user, password)

    def as_tuple(self) -> tuple[str, str]:
        return self.username, self.password

    def check_basic(self, header: str | None) -> bool:
        """Does an ``Authorization: Basic ...`` header carry these credentials?"""
        decoded = decode_basic(header)
        if decoded is None:
            return False
        user, password = decoded
        # Both compared every time, so that the time taken does not tell which one was wrong.
        user_ok = secrets.compare_digest(user.encode(), self.username.encode())
        password_ok = secrets.compare_digest(password.encode(), self.password.encode())
        return user_ok and password_ok


def decode_basic(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an ``Authorization: Basic ...`` header; None when it is none."""
    if not header or len(header) > MAX_AUTH_HEADER_CHARS:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, _, password = decoded.partition(":")
    return user, password


def basic_username(header: str | None) -> str | None:
    """The user name a Basic header tries (for throttling), or None when it carries none."""
    decoded = decode_basic(header)
    return decoded[0] if decoded is not None else None


def staff_credentials(settings: Settings) -> tuple[str, str]:
    """(username, password) for staff mode; raises ValueError when none is configured."""
    return StaffCredentials.from_settings(settings).as_tuple()
