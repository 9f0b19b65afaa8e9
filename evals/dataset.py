"""Evaluation question set: loading, validation and evidence checks.

The question set lives in ``evals/questions.jsonl`` (one JSON object per line) with a
representative subset in ``evals/quick.jsonl``. Each object has the fields

``id``, ``question``, ``answers``, ``source``, ``evidence``, ``type`` and optionally ``note``.

* ``answers`` are short acceptable strings; an answer is counted as correct when it contains at
  least one of them (case-insensitive matching is up to the scorer). For comparison questions
  (two years of one indicator) the list holds both values and a complete answer gives both.
* ``source`` is a file name in ``corpus/`` and ``evidence`` a verbatim span of that file, after
  whitespace normalisation (see :func:`normalize_ws`).
* ``type == "unanswerable"`` means the corpus does not contain the answer: ``answers`` is empty
  and ``source``/``evidence`` are empty strings. The assistant should say it cannot find it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

VALID_TYPES: frozenset[str] = frozenset(
    {"fact", "number", "table", "list", "date", "name", "multi", "unanswerable", "english"}
)
"""Allowed values of the ``type`` field."""

REQUIRED_FIELDS: tuple[str, ...] = ("id", "question", "answers", "source", "evidence", "type")
OPTIONAL_FIELDS: tuple[str, ...] = ("note",)

EVALS_DIR = Path(__file__).resolve().parent
QUESTIONS_PATH = EVALS_DIR / "questions.jsonl"
QUICK_PATH = EVALS_DIR / "quick.jsonl"
CORPUS_DIR = EVALS_DIR.parent / "corpus"

_ID_RE = re.compile(r"^q\d{3,}$")
_WS_RE = re.compile(r"\s+")
_SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True)
class EvalQuestion:
    """One evaluation question."""

    id: str
    question: str
    answers: tuple[str, ...]
    source: str
    evidence: str
    type: str
    note: str = ""

    @property
    def answerable(self) -> bool:
        """True unless the question is of type ``unanswerable``."""
        return self.type != "unanswerable"

    def to_dict(self) -> dict[str, Any]:
        """The JSON object form (as stored in the ``.jsonl`` files)."""
        data: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "source": self.source,
            "evidence": self.evidence,
            "type": self.type,
        }
        if self.note:
            data["note"] = self.note
        return data


def normalize_ws(text: str) -> str:
    """NFC-normalise, drop soft hyphens (U+00AD) and collapse all whitespace runs to one space."""
    text = unicodedata.normalize("NFC", text).replace(_SOFT_HYPHEN, "")
    return _WS_RE.sub(" ", text).strip()


def _fail(path: Path, line_no: int, message: str) -> ValueError:
    return ValueError(f"{path}:{line_no}: {message}")


def _require_str(obj: dict[str, Any], key: str, path: Path, line_no: int) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise _fail(path, line_no, f"field {key!r} must be a string, got {type(value).__name__}")
    return value


def parse_question(obj: Any, path: Path, line_no: int) -> EvalQuestion:
    """Validate one decoded JSON object and turn it into an :class:`EvalQuestion`.

    Raises ``ValueError`` naming the file and line on any problem.
    """
    if not isinstance(obj, dict):
        raise _fail(path, line_no, f"expected a JSON object, got {type(obj).__name__}")
    missing = [key for key in REQUIRED_FIELDS if key not in obj]
    if missing:
        raise _fail(path, line_no, f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(obj) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise _fail(path, line_no, f"unknown field(s): {', '.join(unknown)}")

    qid = _require_str(obj, "id", path, line_no)
    if not _ID_RE.match(qid):
        raise _fail(path, line_no, f"id {qid!r} does not look like 'q001'")
    question = _require_str(obj, "question", path, line_no).strip()
    if not question:
        raise _fail(path, line_no, f"{qid}: empty question")
    qtype = _require_str(obj, "type", path, line_no)
    if qtype not in VALID_TYPES:
        allowed = ", ".join(sorted(VALID_TYPES))
        raise _fail(path, line_no, f"{qid}: invalid type {qtype!r} (allowed: {allowed})")
    source = _require_str(obj, "source", path, line_no)
    evidence = _require_str(obj, "evidence", path, line_no)
    note = obj.get("note", "")
    if not isinstance(note, str):
        raise _fail(path, line_no, f"{qid}: field 'note' must be a string")

    raw_answers = obj["answers"]
    if not isinstance(raw_answers, list) or not all(isinstance(a, str) for a in raw_answers):
        raise _fail(path, line_no, f"{qid}: 'answers' must be a list of strings")
    answers = tuple(raw_answers)
    if any(not a.strip() for a in answers):
        raise _fail(path, line_no, f"{qid}: empty answer string")

    if qtype == "unanswerable":
        if answers or source or evidence:
            raise _fail(
                path,
                line_no,
                f"{qid}: unanswerable questions need answers [], source '' and evidence ''",
            )
    else:
        if not answers:
            raise _fail(path, line_no, f"{qid}: answerable question without answers")
        if not source:
            raise _fail(path, line_no, f"{qid}: answerable question without source")
        if not evidence.strip():
            raise _fail(path, line_no, f"{qid}: answerable question without evidence")

    return EvalQuestion(
        id=qid,
        question=question,
        answers=answers,
        source=source,
        evidence=evidence,
        type=qtype,
        note=note,
    )


def load_questions(path: Path) -> list[EvalQuestion]:
    """Load and validate a ``.jsonl`` question file. Blank lines are ignored.

    Raises ``ValueError`` with the file name and line number for malformed JSON, missing or
    invalid fields and duplicate ids.
    """
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _fail(Path(path), line_no, f"invalid JSON: {exc.msg}") from exc
            q = parse_question(obj, Path(path), line_no)
            if q.id in seen:
                first = seen[q.id]
                raise _fail(Path(path), line_no, f"duplicate id {q.id!r} (first on line {first})")
            seen[q.id] = line_no
            questions.append(q)
    return questions


@lru_cache(maxsize=32)
def _normalized_source(path: Path) -> str:
    return normalize_ws(path.read_text(encoding="utf-8"))


def evidence_in_source(q: EvalQuestion, corpus_dir: Path) -> bool:
    """True when ``q.evidence`` occurs in ``corpus_dir / q.source`` after :func:`normalize_ws`.

    Returns False for questions without evidence (unanswerable) and for missing source files.
    """
    evidence = normalize_ws(q.evidence)
    if not evidence or not q.source:
        return False
    path = (Path(corpus_dir) / q.source).resolve()
    if not path.is_file():
        return False
    return evidence in _normalized_source(path)


_NUMBER_RE = re.compile(r"\d(?:[\d\s.,]*\d)?")


def _digits(text: str) -> str:
    return re.sub(r"[\s.,\u00a0\u202f]", "", text)


def numeric_answers_supported(q: EvalQuestion) -> bool:
    """Check that the numeric answers are consistent with the evidence.

    Returns True if no answer contains a digit, or if some answer occurs verbatim
    (case-insensitively) in the evidence, e.g. "tre millioner" or "Ikke målt". Otherwise at least
    one answer containing digits must have all of its numbers (ignoring spaces, '.' and ',') occur
    in the evidence.
    """
    numeric = [a for a in q.answers if any(ch.isdigit() for ch in a)]
    if not numeric:
        return True
    evidence = normalize_ws(q.evidence)
    folded = evidence.casefold()
    if any(normalize_ws(a).casefold() in folded for a in q.answers):
        return True
    evidence_digits = _digits(evidence)
    for answer in numeric:
        numbers = [_digits(m) for m in _NUMBER_RE.findall(answer)]
        if numbers and all(n in evidence_digits for n in numbers):
            return True
    return False
