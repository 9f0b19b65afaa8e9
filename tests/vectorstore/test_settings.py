"""The settings object read from the environment."""

from __future__ import annotations

import pytest

from vectorstore.settings import load_settings


def test_an_optional_setting_is_set_to_none_by_the_word_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASKER_COMPUTE_THREADS", "none")
    monkeypatch.setenv("ASKER_READER_THRESHOLD", "0.6")
    settings = load_settings()
    assert settings.compute_threads is None and settings.reader_threshold == 0.6
    monkeypatch.setenv("ASKER_COMPUTE_THREADS", "3")
    assert load_settings().compute_threads == 3
    monkeypatch.setenv("ASKER_COMPUTE_THREADS", "0")
    with pytest.raises(ValueError, match="compute_threads"):
        load_settings()
