"""What the staff upload handler accepts: only a file the upload widget stored.

Gradio hands the handler the path of the uploaded file inside its upload folder
(``GRADIO_TEMP_DIR``, by default ``/tmp/gradio``). Any other path -- ``/etc/passwd`` sent
through the event's API, a symlink, a folder -- is refused here, before the ingestion queue
(:mod:`assistant.ingestion`) checks the file's type, content and size and copies it under a
safe name.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

MSG_NO_FILE = "Velg en fil først."
MSG_NOT_UPLOADED = "Bare filer lastet opp med opplastingsfeltet kan legges inn."


@dataclass(frozen=True)
class WidgetUpload:
    """A file the upload widget stored: its place and the name it was uploaded with."""

    path: Path
    name: str


def upload_folder() -> Path:
    """Gradio's folder for uploaded files."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


def _path_of(value: object) -> str | None:
    """The path string the widget's value carries (a str, or an object with ``path``/``name``
    as Gradio's FileData and NamedString have)."""
    if isinstance(value, str):
        return value
    for attribute in ("path", "name"):
        candidate = getattr(value, attribute, None)
        if isinstance(candidate, str):
            return candidate
    return None


def widget_upload(value: object, folder: Path) -> WidgetUpload | str:
    """The upload, or a Norwegian message saying why it is refused: a regular file (not a
    symlink) inside ``folder``."""
    raw = _path_of(value)
    if not raw:
        return MSG_NO_FILE
    path = Path(raw)
    try:
        info = path.lstat()
        root = folder.resolve(strict=True)
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return MSG_NOT_UPLOADED
    if not stat.S_ISREG(info.st_mode) or not path.is_absolute() or not real.is_relative_to(root):
        return MSG_NOT_UPLOADED
    return WidgetUpload(real, path.name)
