"""The training tests read the assistant tests' small index (built once per session)."""

from tests.assistant.conftest import built_index

__all__ = ["built_index"]
