"""The page's stylesheet and script (files in ``web/assets/``) and the bridge snippets that
Gradio runs as ``js_on_load`` of the bridge and chip components."""

from __future__ import annotations

import json
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / "assets"


def _read(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


#: The page's stylesheet (Gradio scopes it to the app: ``.gradio-container .contain ...``).
CSS = _read("page.css")
#: Inline (nothing is fetched from elsewhere); Gradio puts it in the page's <head>: the script
#: and the few rules for Gradio's frame outside the app, which the scoped stylesheet cannot reach.
HEAD = f"<style>\n{_read('frame.css')}</style>\n<script>\n{_read('page.js')}\n</script>"


def bridge_js(name: str, *, reply: bool = False) -> str:
    """Register this component's ``trigger`` as bridge ``name`` for the page script; with
    ``reply``, hand each new value the server sets to ``window.askerFeedbackReply``."""
    register = (
        "(window.askerBridges = window.askerBridges || {})"
        f"[{json.dumps(name)}] = {{ trigger: trigger }};"
    )
    if not reply:
        return register
    return register + (
        " watch('value', function () {"
        " if (window.askerFeedbackReply) window.askerFeedbackReply(props.value); });"
    )


def chips_js() -> str:
    """A chip's × sends its filter's name as a ``select`` event of the chips component."""
    return (
        "element.addEventListener('click', function (ev) {"
        " var b = ev.target.closest ? ev.target.closest('button.asker-chip-remove') : null;"
        " if (b) trigger('select', { index: 0, value: b.value }); });"
    )
