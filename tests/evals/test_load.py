"""``python -m evals load``: loopback only, bounded, and what it reports."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from evals.__main__ import main
from evals.load import (
    LoadConfig,
    Sample,
    loopback_host,
    percentile,
    questions_from,
    run_load,
    server_pid,
    summarise,
)
from tests.web.conftest import FakeService, start_app
from vectorstore.settings import load_settings


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:7860", "http://localhost:7860/", "http://[::1]:7860", "http://127.9.9.9"],
)
def test_loopback_urls_are_accepted(url: str) -> None:
    assert loopback_host(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1:7860",
        "http://example.org",
        "https://asker.kommune.no/",
        "http://127.0.0.1.nip.io:7860",
        "ftp://127.0.0.1/",
        "127.0.0.1:7860",
    ],
)
def test_other_hosts_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        loopback_host(url)


def test_the_command_refuses_another_host() -> None:
    result = CliRunner().invoke(main, ["load", "--url", "http://example.org", "--seconds", "1"])
    assert result.exit_code == 1 and "only loopback addresses" in result.output


def test_percentiles_and_counts() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 101)], 0.95) == 95.0
    samples = [Sample(200, 0.1), Sample(200, 0.3), Sample(429, 0.01), Sample(503, 0.01)]
    samples += [Sample(500, 0.2), Sample(0, 5.0, "ReadTimeout: x")]
    report = summarise(LoadConfig(url="http://127.0.0.1:1"), samples, None)
    assert (report.requests, report.admitted, report.rate_limited, report.busy) == (6, 2, 1, 1)
    assert report.errors == 2  # the 500 and the transport error; 503 is configured, not an error
    assert report.p50_ms == pytest.approx(100.0) and report.max_ms == pytest.approx(300.0)
    assert "ReadTimeout: x" in report.error_examples
    assert "errors 2" in report.summary()


def test_the_server_process_is_found_by_its_port() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert server_pid(port) == os.getpid()


def test_a_short_run_against_the_app(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", rate_limit_per_minute=5)
    running = start_app(FakeService(), settings)
    try:
        config = LoadConfig(url=running.url, clients=3, seconds=1.0, wait_retry_after=False)
        report = run_load(config)
    finally:
        running.stop()
    assert report.errors == 0 and report.admitted == 5  # one address: one bucket of 5
    assert report.rate_limited == report.requests - 5 > 0
    assert report.server_pid == os.getpid() and report.peak_rss_mb


def test_questions_come_from_question_data_or_lines(tmp_path: Path) -> None:
    data = tmp_path / "items.jsonl"
    data.write_text(
        '{"id": "a", "question": "Hva koster SFO?"}\n\n'
        '{"id": "b", "turns": [{"question": "Hvem styrer?"}, {"question": "og i 2023?"}]}\n',
        encoding="utf-8",
    )
    lines = tmp_path / "questions.txt"
    lines.write_text("Hva koster SFO?\n\n  Hvem styrer?  \n", encoding="utf-8")
    assert questions_from(data) == ("Hva koster SFO?", "Hvem styrer?", "og i 2023?")
    assert questions_from(lines) == ("Hva koster SFO?", "Hvem styrer?")


def test_the_command_refuses_a_file_without_questions(tmp_path: Path) -> None:
    empty = tmp_path / "none.txt"
    empty.write_text("\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["load", "--questions", str(empty), "--seconds", "1"])
    assert result.exit_code == 1 and "no questions" in result.output


def test_the_command_asks_the_questions_of_its_file(tmp_path: Path) -> None:
    asked = tmp_path / "questions.txt"
    asked.write_text("Hvor mange bor i Asker?\nHva er målet for 2030?\n", encoding="utf-8")
    service = FakeService()
    running = start_app(service, load_settings(data_dir=tmp_path / "data", rate_limit_per_minute=5))
    try:
        args = ["load", "--url", running.url, "--clients", "1", "--seconds", "1", "--no-wait"]
        args += ["--questions", str(asked), "--out", str(tmp_path / "report.json")]
        result = CliRunner().invoke(main, args)
    finally:
        running.stop()
    assert result.exit_code == 0, result.output
    seen = {call["question"] for call in service.calls}
    assert seen == {"Hvor mange bor i Asker?", "Hva er målet for 2030?"}
