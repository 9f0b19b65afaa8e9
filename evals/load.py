"""A bounded load test of a running app: N clients asking ``POST /api/ask`` for T seconds.

``python -m evals load --url http://127.0.0.1:7860 --clients 50 --seconds 60``

* loopback only: any other host is refused (this is no tool to point at someone's server);
* it stops by itself after ``--seconds`` (a request still running then gets ``--timeout-s``);
* each client asks its questions one after the other and, like a polite user, waits out a
  429's or 503's Retry-After (``--no-wait`` asks again at once);
* ``--questions FILE`` asks the questions of a file (question data as JSON lines, a conversation's
  turns each, or one question a line) instead of the eight built in: the service keeps its latest
  verdicts (``verdict_cache_size``), so eight questions asked over and over measure the cache;
* ``--distinct-identities`` sends ``X-Forwarded-For: 10.77.x.y`` (one per client): it only
  means something when the app believes the loopback proxy (``ASKER_TRUSTED_PROXIES=127.0.0.1``);
  otherwise every client shares the one address 127.0.0.1, which is the point of the check.

It reports requests, errors (transport errors and 5xx other than 503), the count of each
status, p50/p95 latency of the admitted (200) requests and the server's peak RSS (VmHWM of the
process listening on the port, found through ``/proc``, or of ``--pid``).
"""

from __future__ import annotations

import ipaddress
import json
import math
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

#: Norwegian questions about the corpus (and one it cannot answer), asked in turn.
DEFAULT_QUESTIONS = (
    "Hvor mye skal Asker redusere klimagassutslippene innen 2030?",
    "Hva er de prioriterte målene i kommuneplanen?",
    "Når passerte Asker 100 000 innbyggere?",
    "Hva står det om FNs bærekraftsmål i Asker?",
    "Hva var sykefraværet i 2024?",
    "Hvor mange innbyggere hadde Asker i 2024?",
    "Hvilke temaplaner har kommunen?",
    "Hva er beste pizza i Asker?",
)
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def questions_from(path: Path) -> tuple[str, ...]:
    """The questions of ``path``: JSON lines with a ``question`` (or ``turns`` of them), or one
    question a line."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    found: list[str] = []
    for line in filter(None, lines):
        if path.suffix != ".jsonl":
            found.append(line)
            continue
        item = json.loads(line)
        turns = item.get("turns") or [item]
        found += [str(t["question"]) for t in turns if t.get("question")]
    if not found:
        raise ValueError(f"{path}: no questions / ingen spørsmål")
    return tuple(found)


@dataclass(frozen=True)
class LoadConfig:
    url: str
    clients: int = 50
    seconds: float = 60.0
    distinct_identities: bool = False
    wait_retry_after: bool = True
    timeout_s: float = 30.0
    pid: int | None = None
    questions: tuple[str, ...] = DEFAULT_QUESTIONS


@dataclass(frozen=True)
class Sample:
    """One request: its status (0 for a transport error) and how long it took."""

    status: int
    latency_s: float
    error: str = ""


@dataclass(frozen=True)
class LoadReport:
    url: str
    clients: int
    seconds: float
    requests: int
    statuses: dict[str, int]
    errors: int
    rate_limited: int
    busy: int
    admitted: int
    p50_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    server_pid: int | None
    peak_rss_mb: float | None
    error_examples: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.0f} ms"

        rss = "-" if self.peak_rss_mb is None else f"{self.peak_rss_mb:.0f} MB"
        lines = [
            f"{self.clients} clients for {self.seconds:.0f} s against {self.url}",
            f"requests {self.requests}, admitted (200) {self.admitted}, "
            f"429 {self.rate_limited}, 503 {self.busy}, errors {self.errors}",
            f"statuses {dict(sorted(self.statuses.items()))}",
            f"admitted latency p50 {ms(self.p50_ms)}, p95 {ms(self.p95_ms)}, max {ms(self.max_ms)}",
            f"server pid {self.server_pid}, peak RSS (VmHWM) {rss}",
        ]
        lines.extend(f"error: {e}" for e in self.error_examples)
        return "\n".join(lines)


# --- the target ---------------------------------------------------------------------------------
def loopback_host(url: str) -> str:
    """The URL's host when it is a loopback address; ValueError otherwise."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"not an http URL: {url!r}")
    if host.lower() in LOOPBACK_NAMES:
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError as exc:
        raise ValueError(f"only loopback addresses may be loaded, not {host!r}") from exc
    if not address.is_loopback:
        raise ValueError(f"only loopback addresses may be loaded, not {host!r}")
    return host


def port_of(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (``/proc/net/tcp`` and ``tcp6``)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def server_pid(port: int) -> int | None:
    """The process listening on ``port`` (a /proc lookup; None when it cannot be seen)."""
    wanted = {f"socket:[{inode}]" for inode in listening_inodes(port)}
    if not wanted:
        return None
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and _holds_socket(proc, wanted):
            return int(proc.name)
    return None


def _holds_socket(proc: Path, wanted: set[str]) -> bool:
    try:
        fds = list((proc / "fd").iterdir())
    except OSError:  # another user's process, or gone
        return False
    for fd in fds:
        try:
            if str(fd.readlink()) in wanted:
                return True
        except OSError:  # closed meanwhile
            continue
    return False


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM) in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# --- the clients --------------------------------------------------------------------------------
def identity(client: int) -> str:
    return f"10.77.{client // 250}.{client % 250 + 1}"


def retry_after(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def run_client(
    config: LoadConfig, client: int, deadline: float, samples: list[Sample], lock: threading.Lock
) -> None:
    """One client: questions in turn until the deadline."""
    headers = {"X-Forwarded-For": identity(client)} if config.distinct_identities else {}
    questions = list(config.questions)
    random.Random(client).shuffle(questions)
    turn = 0
    with httpx.Client(timeout=config.timeout_s, headers=headers) as http:
        while time.monotonic() < deadline:
            question = questions[turn % len(questions)]
            turn += 1
            started = time.perf_counter()
            try:
                response = http.post(
                    config.url.rstrip("/") + "/api/ask", json={"question": question}
                )
                sample = Sample(response.status_code, time.perf_counter() - started)
            except httpx.HTTPError as exc:
                response = None
                sample = Sample(0, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            with lock:
                samples.append(sample)
            refused = response is not None and response.status_code in (429, 503)
            if refused and config.wait_retry_after and response is not None:
                time.sleep(min(retry_after(response), max(0.0, deadline - time.monotonic())))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1), nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def summarise(config: LoadConfig, samples: Sequence[Sample], pid: int | None) -> LoadReport:
    statuses = Counter(str(s.status) for s in samples)
    errors = [s for s in samples if s.status == 0 or (s.status >= 500 and s.status != 503)]
    admitted = [s.latency_s * 1000 for s in samples if s.status == 200]
    examples = tuple(dict.fromkeys(s.error or f"HTTP {s.status}" for s in errors))[:5]
    return LoadReport(
        url=config.url,
        clients=config.clients,
        seconds=config.seconds,
        requests=len(samples),
        statuses=dict(statuses),
        errors=len(errors),
        rate_limited=statuses.get("429", 0),
        busy=statuses.get("503", 0),
        admitted=len(admitted),
        p50_ms=percentile(admitted, 0.50),
        p95_ms=percentile(admitted, 0.95),
        max_ms=max(admitted) if admitted else None,
        server_pid=pid,
        peak_rss_mb=peak_rss_mb(pid) if pid is not None else None,
        error_examples=examples,
    )


def run_load(config: LoadConfig) -> LoadReport:
    """Run the clients until ``config.seconds`` have passed; ValueError for a non-loopback URL
    or an app that does not answer."""
    host = loopback_host(config.url)
    port = port_of(config.url)
    with socket.create_connection((host, port), timeout=5):
        pass  # the app must be running
    pid = config.pid or server_pid(port)
    samples: list[Sample] = []
    lock = threading.Lock()
    deadline = time.monotonic() + config.seconds
    threads = [
        threading.Thread(target=run_client, args=(config, i, deadline, samples, lock), daemon=True)
        for i in range(max(1, config.clients))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=config.seconds + config.timeout_s + 5)
    with lock:
        return summarise(config, list(samples), pid)


def write_report(report: LoadReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(report), ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path
