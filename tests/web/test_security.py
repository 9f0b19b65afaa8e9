"""The route policy and the request guards (``web.security``)."""

from __future__ import annotations

import pytest

from web.security import RoutePolicy, normalised_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "/"),
        ("", "/"),
        ("//openapi.json", "/openapi.json"),
        ("/gradio_api//upload", "/gradio_api/upload"),
        ("/gradio_api/./upload", "/gradio_api/upload"),
        ("/x/../openapi.json", "/openapi.json"),
        ("/gradio_api/file=/etc/passwd", "/gradio_api/file=/etc/passwd"),
    ],
)
def test_normalised_path(path: str, expected: str) -> None:
    assert normalised_path(path) == expected


def test_public_policy_refuses_file_routes_and_api_descriptions() -> None:
    public = RoutePolicy.for_mode("public")
    for path in (
        "/openapi.json",
        "//openapi.json",
        "/openapi.json/",
        "/docs",
        "/docs/oauth2-redirect",
        "/gradio_api/openapi.json",
        "/gradio_api/upload",
        "/gradio_api//upload",
        "/gradio_api/upload_progress",
        "/gradio_api/file=/tmp/gradio/x/a.txt",
        "/gradio_api/file/tmp/x",
        "/gradio_api/stream/abc/playlist.m3u8",
        "/gradio_api/component_server",
        "/gradio_api/proxy=https://example.org",
    ):
        assert public.refuses(path), path
    for path in ("/", "/config", "/gradio_api/queue/join", "/gradio_api/info", "/api/ask"):
        assert not public.refuses(path), path


def test_staff_policy_keeps_the_widget_routes_but_hides_api_descriptions() -> None:
    staff = RoutePolicy.for_mode("staff")
    assert not staff.refuses("/gradio_api/upload")
    assert not staff.refuses("/gradio_api/file=/tmp/gradio/x/eksport.csv")
    assert staff.refuses("/openapi.json") and staff.refuses("/gradio_api/openapi.json")
