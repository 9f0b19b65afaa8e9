"""The question data: questions and conversations written from the corpus, checked and split.

Files live in ``evals/data/written/*.jsonl`` (as written, one file per corpus slice). Each line is
one JSON object, either a *question* or a *conversation* (``"turns": [...]``).

A question has:

``id``        unique, e.g. ``"a1-0001"``
``question``  the question as a person would type it
``lang``      ``nb`` | ``nn`` | ``en``
``user``      ``citizen`` | ``politician`` | ``staff``
``style``     ``everyday`` (the person's own words, not the document's) | ``document``
``type``      ``number`` | ``date`` | ``name`` | ``list`` | ``fact`` | ``table`` | ``compute``
              | ``unanswerable``
``answers``   short acceptable answer strings (an answer is right when it contains one)
``source``    the corpus file the evidence is in
``evidence``  a list of verbatim spans of ``source`` (a sentence or a table row each)

and, by type:

* ``unanswerable``: ``answers`` and ``evidence`` empty; ``near`` (a verbatim span of ``source``
  the question is a near miss of), ``miss`` (``year`` | ``place`` | ``group`` | ``future`` |
  ``detail``) and ``absence_check`` (``{"searched": [terms], "finding": "what the search
  showed"}``). :func:`check_file` records how often each searched term occurs in the corpus.
* ``compute``: ``kind`` (``year`` | ``place`` | ``group`` | ``target`` | ``sum`` | ``trend`` |
  ``ratio`` | ``share`` | ``rank``), ``values`` (``[{"label", "value", "year"?}]``, each value
  as the evidence writes it) and ``result`` (the computed answer, Norwegian formatting).

A conversation has ``id``, ``lang``, ``user`` and ``turns``: a list of questions without ``id``
(``style`` optional), each with ``followup`` (``first`` | ``year`` | ``place`` | ``group`` |
``subject`` | ``pronoun`` | ``compute`` | ``other``) saying how it depends on the turns before.

Evidence counts as verbatim when its letters and digits (case-folded) occur in the document's
in the same order (line breaks, hyphenation at line ends and punctuation spacing ignored).

``python -m evals.questiondata check FILE...`` validates files and prints every problem;
``--write`` adds ``doc_id``, ``page`` and the absence hits. ``split`` assigns every item to
train/dev/test by evidence passage (see :func:`assign_splits`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from vectorstore.language import squash

EVALS_DIR = Path(__file__).resolve().parent
DATA_DIR = EVALS_DIR / "data"
WRITTEN_DIR = DATA_DIR / "written"
CORPUS_DIR = EVALS_DIR.parent / "corpus"

LANGS = frozenset({"nb", "nn", "en"})
USERS = frozenset({"citizen", "politician", "staff"})
STYLES = frozenset({"everyday", "document"})
TYPES = frozenset({"number", "date", "name", "list", "fact", "table", "compute", "unanswerable"})
MISSES = frozenset({"year", "place", "group", "future", "detail"})
COMPUTE_KINDS = frozenset(
    {"year", "place", "group", "target", "sum", "trend", "ratio", "share", "rank"}
)
FOLLOWUPS = frozenset({"first", "year", "place", "group", "subject", "pronoun", "compute", "other"})
SPLITS = ("train", "dev", "test")
#: Items written for training from passages no dev or test item rests on, kept aside (assigned
#: by hand): no model learns from them yet. The reader trained on them besides the train split
#: (similarities of questions the embedder never saw) lost dev balanced accuracy, 0.658 -> 0.646;
#: the embedder, whose retraining costs about an hour on 2 cores, has not been tried with them.
SPARE = "spare"
#: Shares of passage groups per split (by a hash of the group, so the assignment is stable).
SPLIT_SHARES = (0.6, 0.2, 0.2)


@dataclass(frozen=True)
class CorpusDoc:
    """A corpus file as the ingest loader reads it, with a squashed copy for evidence lookup."""

    file: str
    doc_id: str
    text: str
    squashed: str
    #: ``positions[i]`` is the offset in ``text`` of the i-th character of ``squashed``.
    positions: tuple[int, ...]
    page_starts: tuple[tuple[int, int], ...]

    def find(self, span: str) -> int | None:
        """The offset in ``text`` where ``span`` starts, or None when it is not in the document."""
        key = squash(span)
        if not key:
            return None
        at = self.squashed.find(key)
        return None if at < 0 else self.positions[at]

    def count(self, term: str) -> int:
        key = squash(term)
        return self.squashed.count(key) if key else 0

    def page_at(self, offset: int) -> int | None:
        page: int | None = None
        for start, number in self.page_starts:
            if start > offset:
                break
            page = number
        return page


@lru_cache(maxsize=4)
def load_corpus(corpus_dir: Path = CORPUS_DIR) -> dict[str, CorpusDoc]:
    """Every document of the manifest, read by the ingest loader (page numbers as the index has)."""
    from ingest.loaders import load_document

    manifest = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    docs: dict[str, CorpusDoc] = {}
    for entry in manifest["documents"]:
        loaded = load_document(corpus_dir / entry["file"], max_bytes=10**9)
        pages = tuple((s.offset, s.page) for s in loaded.page_starts)
        docs[entry["file"]] = corpus_doc(entry["file"], entry["doc_id"], loaded.text, pages)
    return docs


def corpus_doc(
    file: str, doc_id: str, text: str, page_starts: tuple[tuple[int, int], ...] = ()
) -> CorpusDoc:
    """A document's text with its squashed copy for evidence lookup."""
    chars: list[str] = []
    positions: list[int] = []
    for offset, ch in enumerate(text):
        for out in squash(ch):
            chars.append(out)
            positions.append(offset)
    return CorpusDoc(
        file=file,
        doc_id=doc_id,
        text=text,
        squashed="".join(chars),
        positions=tuple(positions),
        page_starts=page_starts,
    )


# ----------------------------------------------------------------------------------------------
# Validation


def _numbers(text: str) -> list[str]:
    return [re.sub(r"[\s.,]", "", m) for m in re.findall(r"\d(?:[\d\s.,]*\d)?", text)]


def _answer_supported(answers: Sequence[str], evidence: Sequence[str]) -> bool:
    """Some answer occurs in the evidence, or all numbers of some numeric answer do."""
    joined = " ".join(evidence)
    squashed = squash(joined)
    if any(squash(a) and squash(a) in squashed for a in answers):
        return True
    digits = re.sub(r"[\s.,]", "", joined)
    for answer in answers:
        numbers = _numbers(answer)
        if numbers and all(n in digits for n in numbers):
            return True
    return False


def _need(obj: dict[str, Any], key: str, kind: type, problems: list[str]) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind):
        problems.append(f"field {key!r} must be {kind.__name__}")
        return None
    return value


def _check_enum(
    obj: dict[str, Any], key: str, allowed: frozenset[str], problems: list[str]
) -> None:
    if obj.get(key) not in allowed:
        problems.append(f"{key} {obj.get(key)!r} is not one of {sorted(allowed)}")


def _check_spans(
    source: str, spans: Iterable[str], corpus: dict[str, CorpusDoc], problems: list[str]
) -> list[int]:
    doc = corpus.get(source)
    if doc is None:
        problems.append(f"source {source!r} is not a corpus file ({sorted(corpus)})")
        return []
    offsets: list[int] = []
    for span in spans:
        if not isinstance(span, str) or len(squash(span)) < 8:
            problems.append(f"evidence/near span too short or not a string: {span!r}")
            continue
        at = doc.find(span)
        if at is None:
            problems.append(f"not verbatim in {source}: {span[:90]!r}")
        else:
            offsets.append(at)
    return offsets


def check_question(
    obj: dict[str, Any], corpus: dict[str, CorpusDoc], in_conversation: bool = False
) -> list[str]:
    """Every problem of one question (empty when it is valid)."""
    problems: list[str] = []
    if not in_conversation:
        _need(obj, "id", str, problems)
        _check_enum(obj, "lang", LANGS, problems)
        _check_enum(obj, "user", USERS, problems)
        _check_enum(obj, "style", STYLES, problems)
    elif "followup" in obj:
        _check_enum(obj, "followup", FOLLOWUPS, problems)
    else:
        problems.append("a conversation turn needs 'followup'")
    question = _need(obj, "question", str, problems)
    if question is not None and len(question.strip()) < 3:
        problems.append("empty question")
    _check_enum(obj, "type", TYPES, problems)
    answers = _need(obj, "answers", list, problems) or []
    evidence = _need(obj, "evidence", list, problems) or []
    source = _need(obj, "source", str, problems) or ""
    qtype = obj.get("type")
    if qtype == "unanswerable":
        if answers or evidence:
            problems.append("unanswerable: answers and evidence must be []")
        _check_enum(obj, "miss", MISSES, problems)
        near = obj.get("near")
        _check_spans(source, [near] if isinstance(near, str) else [None], corpus, problems)  # type: ignore[list-item]
        check = obj.get("absence_check")
        if not (isinstance(check, dict) and check.get("searched") and check.get("finding")):
            problems.append("unanswerable: absence_check needs 'searched' (terms) and 'finding'")
        return problems
    if not answers or not all(isinstance(a, str) and a.strip() for a in answers):
        problems.append("answers must be non-empty strings")
    if not evidence:
        problems.append("answerable: evidence must list at least one verbatim span")
    _check_spans(source, evidence, corpus, problems)
    if qtype == "compute":
        _check_enum(obj, "kind", COMPUTE_KINDS, problems)
        values = obj.get("values")
        if not (isinstance(values, list) and len(values) >= 2):
            problems.append("compute: 'values' needs at least two {label, value} objects")
        elif not all(
            isinstance(v, dict) and _answer_supported([str(v.get("value", ""))], evidence)
            for v in values
        ):
            problems.append("compute: every value must stand in the evidence")
        if not isinstance(obj.get("result"), str):
            problems.append("compute: 'result' must be a string")
    elif answers and evidence and not _answer_supported(answers, evidence):
        problems.append("no answer string (or its numbers) occurs in the evidence")
    return problems


def check_item(obj: Any, corpus: dict[str, CorpusDoc]) -> list[str]:
    if not isinstance(obj, dict):
        return ["not a JSON object"]
    if "turns" not in obj:
        return check_question(obj, corpus)
    problems: list[str] = []
    _need(obj, "id", str, problems)
    _check_enum(obj, "lang", LANGS, problems)
    _check_enum(obj, "user", USERS, problems)
    turns = obj.get("turns")
    if not (isinstance(turns, list) and 2 <= len(turns) <= 4):
        return [*problems, "a conversation needs 2-4 turns"]
    for n, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict):
            problems.append(f"turn {n}: not an object")
            continue
        problems += [f"turn {n}: {p}" for p in check_question(turn, corpus, in_conversation=True)]
    return problems


def _annotate_question(obj: dict[str, Any], corpus: dict[str, CorpusDoc]) -> None:
    doc = corpus.get(obj.get("source", ""))
    if doc is None:
        return
    obj["doc_id"] = doc.doc_id
    spans = obj.get("evidence") or ([obj["near"]] if obj.get("near") else [])
    pages = [doc.page_at(at) for span in spans if (at := doc.find(span)) is not None]
    obj["pages"] = sorted({p for p in pages if p is not None})
    check = obj.get("absence_check")
    if isinstance(check, dict):
        check["hits"] = {
            term: sum(d.count(term) for d in corpus.values()) for term in check.get("searched", [])
        }


def annotate(obj: dict[str, Any], corpus: dict[str, CorpusDoc]) -> dict[str, Any]:
    """Adds ``doc_id``, ``pages`` and the absence hits (for every turn of a conversation)."""
    for question in obj.get("turns", [obj]):
        _annotate_question(question, corpus)
    return obj


def read_jsonl(path: Path) -> list[tuple[int, Any]]:
    rows: list[tuple[int, Any]] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append((line_no, json.loads(line)))
            except json.JSONDecodeError as exc:
                rows.append((line_no, {"__error__": f"invalid JSON: {exc.msg}"}))
    return rows


def check_file(path: Path, write: bool = False) -> list[str]:
    """Every problem in one file, as ``file:line: id: problem``; with ``write``, annotates it."""
    corpus = load_corpus()
    problems: list[str] = []
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for line_no, obj in read_jsonl(path):
        if isinstance(obj, dict) and "__error__" in obj:
            problems.append(f"{path}:{line_no}: {obj['__error__']}")
            continue
        item_id = obj.get("id", "?") if isinstance(obj, dict) else "?"
        if item_id in seen:
            problems.append(f"{path}:{line_no}: {item_id}: duplicate id")
        seen.add(item_id)
        problems += [f"{path}:{line_no}: {item_id}: {p}" for p in check_item(obj, corpus)]
        if isinstance(obj, dict):
            out.append(annotate(obj, corpus))
    if write and not problems:
        path.write_text(
            "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out), encoding="utf-8"
        )
    return problems


# ----------------------------------------------------------------------------------------------
# Splitting by evidence passage


@lru_cache(maxsize=2)
def _chunk_starts(corpus_dir: Path = CORPUS_DIR) -> dict[str, list[int]]:
    """Where each passage (ingest chunk, default settings) of each corpus file starts."""
    from ingest.pipeline import process_document, read_corpus_manifest
    from vectorstore.settings import load_settings

    settings = load_settings(corpus_dir=corpus_dir)
    starts: dict[str, list[int]] = {}
    for file, info in read_corpus_manifest(corpus_dir).items():
        processed = process_document(corpus_dir / file, info, settings)
        starts[file] = sorted(c.start for c in processed.chunks)
    return starts


def _answering_spans(question: dict[str, Any]) -> list[str]:
    """The spans a question rests on: the first evidence span (the others are context, such as
    a table's year header shared by many tables), every span holding a computed value, the
    near-miss span."""
    evidence = list(question.get("evidence") or [])
    spans = evidence[:1]
    for value in question.get("values") or []:
        spans += [e for e in evidence[1:] if _answer_supported([str(value.get("value", ""))], [e])]
    if question.get("near"):
        spans.append(question["near"])
    return spans


def passage_keys(obj: dict[str, Any]) -> set[str]:
    """The passages an item rests on: the ingest chunk (default chunk settings) that holds each
    evidence or near-miss span, as ``file@offset``, and the span itself."""
    import bisect

    corpus = load_corpus()
    starts = _chunk_starts()
    keys: set[str] = set()
    for question in obj.get("turns", [obj]):
        source = question.get("source", "")
        doc = corpus.get(source)
        if doc is None:
            continue
        for span in _answering_spans(question):
            at = doc.find(span)
            if at is None:
                continue
            chunk_starts = starts.get(source) or [0]
            index = max(0, bisect.bisect_right(chunk_starts, at) - 1)
            keys.add(f"{source}@{chunk_starts[index]}")
            keys.add("ev:" + squash(span)[:200])
    return keys


def _bucket(group_key: str) -> str:
    digest = hashlib.sha256(group_key.encode("utf-8")).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    for split, part in zip(SPLITS, SPLIT_SHARES, strict=True):
        cumulative += part
        if fraction < cumulative:
            return split
    return SPLITS[-1]


def assign_splits(items: Sequence[dict[str, Any]]) -> list[str]:
    """The split of each item: a group's split (:func:`passage_groups`) is drawn from a hash of
    its name, so that adding items never moves a group that did not merge."""
    return [_bucket(group) for group in passage_groups(items)]


def passage_groups(items: Sequence[dict[str, Any]]) -> list[str]:
    """The passage group of each item: items sharing a passage (or an evidence span) share a
    group, directly or through others (union-find), named by its smallest passage key."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    item_keys = [sorted(passage_keys(item)) or [f"item:{item.get('id')}"] for item in items]
    for keys in item_keys:
        for key in keys[1:]:
            parent[find(key)] = find(keys[0])
    members: dict[str, list[str]] = {}
    for keys in item_keys:
        for key in keys:
            members.setdefault(find(key), []).append(key)
    group_name = {root: min(keys) for root, keys in members.items()}
    return [group_name[find(keys[0])] for keys in item_keys]


SPLITS_PATH = DATA_DIR / "splits.json"


def written_items(directory: Path = WRITTEN_DIR) -> list[dict[str, Any]]:
    """Every question and conversation of ``directory``'s ``*.jsonl`` files, in file order."""
    items: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.jsonl")):
        items += [obj for _, obj in read_jsonl(path) if isinstance(obj, dict)]
    return items


def frozen_splits(path: Path = SPLITS_PATH) -> dict[str, str]:
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))["splits"]
    return data


def update_splits(items: Sequence[dict[str, Any]], frozen: dict[str, str]) -> dict[str, str]:
    """Splits for ``items``: those already assigned keep their split; a new item takes the split
    of an assigned item it shares a passage with (its group), else its group's hashed split."""
    fresh = assign_splits(items)
    keys = [passage_keys(item) for item in items]
    owner: dict[str, str] = {}
    for item, item_keys in zip(items, keys, strict=True):
        if item.get("id") in frozen:
            for key in item_keys:
                owner.setdefault(key, frozen[item["id"]])
    out: dict[str, str] = {}
    for item, item_keys, split in zip(items, keys, fresh, strict=True):
        item_id = str(item.get("id"))
        inherited = next((owner[k] for k in sorted(item_keys) if k in owner), None)
        out[item_id] = frozen.get(item_id) or inherited or split
    return out


def write_splits(path: Path = SPLITS_PATH) -> dict[str, int]:
    """Assign splits to every written item (keeping earlier assignments) and save them."""
    splits = update_splits(written_items(), frozen_splits(path))
    comment = json.loads(path.read_text(encoding="utf-8")).get("comment") if path.exists() else None
    payload = {
        "comment": comment
        or "train/dev/test by evidence passage (evals/questiondata.py, assign_splits); "
        "an id keeps its split once assigned",
        "splits": dict(sorted(splits.items())),
    }
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    counts: dict[str, int] = {}
    for split in splits.values():
        counts[split] = counts.get(split, 0) + 1
    return counts


def load_split(
    split: str, directory: Path = WRITTEN_DIR, splits_path: Path = SPLITS_PATH
) -> list[dict[str, Any]]:
    """The written items of one split (``train``, ``dev``, ``test`` or ``spare``)."""
    splits = frozen_splits(splits_path)
    return [item for item in written_items(directory) if splits.get(str(item.get("id"))) == split]


def _main(argv: list[str]) -> int:
    if argv[:1] == ["split"]:
        print(write_splits())
        return 0
    if len(argv) < 2 or argv[0] not in ("check",):
        usage = "usage: python -m evals.questiondata check [--write] FILE... | split"
        print(usage, file=sys.stderr)
        return 2
    write = "--write" in argv
    files = [Path(a) for a in argv[1:] if a != "--write"]
    total = 0
    for path in files:
        problems = check_file(path, write=write)
        total += len(problems)
        for problem in problems:
            print(problem)
        print(f"{path}: {len(read_jsonl(path))} items, {len(problems)} problems", file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
