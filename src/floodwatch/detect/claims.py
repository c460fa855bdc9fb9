"""The debunked-claim store: claim records, their import from ClaimReview JSON-LD, CSV and JSON Lines, and a
Parquet file under the data directory.

A claim is what a fact-checker wrote down as false (or misleading): its wording, verdict, who checked it, when,
and the review's URL. Layout: `<data_dir>/claims/claims.parquet`, one row per `claim_id`, rewritten whole on
each import (a fact-check store holds thousands to a few hundred thousand short rows: one Parquet file stays small
and a rewrite takes well under a second). The file is written to a temporary name, fsynced and renamed, so a
killed import leaves the previous file intact; one importer at a time (an exclusive lock on `claims/.lock`).

Import is idempotent: a record without an id gets one from its normalised text and URL, so the same claim read
twice, from the same or another file, is one claim; a record whose id is known with the same content is
`unchanged`, with other content (a fact-checker revised a rating) `updated`, the newest import winning. Records
that cannot be read are reported with file, line (JSON documents: the record's 1-based index) and reason.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("auto", "claimreview", "csv", "jsonl")

CLAIM_SCHEMA = pa.schema(
    [
        pa.field("claim_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("lang", pa.string()),
        pa.field("verdict", pa.string()),
        pa.field("rating_value", pa.float64()),
        pa.field("source", pa.string()),  # the fact-checker (ClaimReview author)
        pa.field("date", pa.string()),  # ISO 8601 day of the review
        pa.field("url", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
        pa.field("imported_at", pa.timestamp("us", tz="UTC")),
    ]
)

# Columns a CSV may use for each field when no mapping names one (compared case-insensitively).
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "claim_id": ("claim_id", "id", "identifier"),
    "text": ("text", "claim", "claim_text", "claimreviewed", "claim_reviewed"),
    "lang": ("lang", "language", "inlanguage", "language_code"),
    "verdict": ("verdict", "rating", "textualrating", "alternatename", "label"),
    "rating_value": ("rating_value", "ratingvalue"),
    "source": ("source", "author", "publisher", "fact_checker", "factchecker"),
    "date": ("date", "datepublished", "review_date", "published"),
    "url": ("url", "review_url", "link"),
}
FIELDS = tuple(CSV_ALIASES)
MAX_TEXT_CHARS = 5_000
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WS = re.compile(r"\s+")


class ClaimFormatError(ValueError):
    """A whole file could not be read as the format asked for."""


@dataclass(frozen=True)
class Claim:
    """One debunked claim, as stored."""

    claim_id: str
    text: str
    lang: str
    verdict: str | None = None
    rating_value: float | None = None
    source: str | None = None
    date: str | None = None
    url: str | None = None

    @property
    def content_hash(self) -> str:
        body = orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(body).hexdigest()[:24]


@dataclass(frozen=True)
class BadRecord:
    source: str
    line: int
    reason: str


@dataclass
class ImportReport:
    """read = added + updated + unchanged + rejected; `skipped` counts JSON-LD nodes of other types."""

    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejects: list[BadRecord] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejects)


# --- field cleaning ----------------------------------------------------------------------------------------------


def normalised_text(text: str) -> str:
    """NFKC, lower case, whitespace runs -> one space: what makes two spellings of a claim one claim."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def derived_id(text: str, url: str | None) -> str:
    digest = hashlib.sha256(f"{normalised_text(text)}\x1f{url or ''}".encode()).hexdigest()
    return f"clm_{digest[:16]}"


def guess_lang(text: str) -> str:
    """`zh` when Han characters make up at least a fifth of the letters, else `en` (a fallback for records
    that name no language; the matcher itself does not depend on it)."""
    letters = sum(ch.isalnum() for ch in text)
    return "zh" if letters and len(_HAN.findall(text)) * 5 >= letters else "en"


def _lang(value: str | None, text: str) -> str:
    if not value:
        return guess_lang(text)
    return re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0] or guess_lang(text)


def _day(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        raise ValueError(f"date {text[:40]!r} is not an ISO 8601 date") from None


def _float(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"rating value {str(value)[:40]!r} is not a number") from None


def _str(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    raise ValueError(f"expected text, got {type(value).__name__}")


def make_claim(fields: Mapping[str, object]) -> Claim:
    """A validated claim from canonical fields; ValueError with the reason when the record is unusable."""
    text = _str(fields.get("text"))
    if not text:
        raise ValueError("no claim text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"claim text longer than {MAX_TEXT_CHARS:,} characters")
    url = _str(fields.get("url"))
    return Claim(
        claim_id=_str(fields.get("claim_id")) or derived_id(text, url),
        text=text,
        lang=_lang(_str(fields.get("lang")), text),
        verdict=_str(fields.get("verdict")),
        rating_value=_float(fields.get("rating_value")),
        source=_str(fields.get("source")),
        date=_day(_str(fields.get("date"))),
        url=url,
    )


# --- readers: each yields (line, claim or None, reason or None) ------------------------------------------------

Parsed = tuple[int, Claim | None, str | None]


def _first(value: object) -> object:
    return value[0] if isinstance(value, list) and value else value


def _name(value: object) -> object:
    """schema.org Person/Organization/Language: a plain string or an object with a name."""
    value = _first(value)
    if isinstance(value, dict):
        return value.get("name") or value.get("alternateName")
    return value


def _types(node: Mapping[str, Any]) -> list[str]:
    kind = node.get("@type")
    return [str(k) for k in kind] if isinstance(kind, list) else [str(kind)] if kind else []


def claim_review_fields(node: Mapping[str, Any]) -> dict[str, object]:
    """Canonical fields of one schema.org ClaimReview."""
    rating = _first(node.get("reviewRating"))
    rating = rating if isinstance(rating, dict) else {}
    language = _first(node.get("inLanguage"))
    if isinstance(language, dict):  # a Language object: its code, else its name
        language = language.get("alternateName") or language.get("name")
    return {
        "claim_id": node.get("identifier") if isinstance(node.get("identifier"), str) else node.get("@id"),
        "text": node.get("claimReviewed"),
        "lang": language,
        "verdict": rating.get("alternateName"),
        "rating_value": rating.get("ratingValue"),
        "source": _name(node.get("author")) or _name(node.get("publisher")),
        "date": node.get("datePublished"),
        "url": node.get("url"),
    }


def _nodes(document: object) -> Iterator[object]:
    """The nodes of a JSON-LD document: a list, an @graph, a DataFeed's items, or one object."""
    if isinstance(document, list):
        for item in document:
            yield from _nodes(item) if isinstance(item, dict) and ("@graph" in item) else [item]
    elif isinstance(document, dict) and "@graph" in document:
        yield from _nodes(document["@graph"])
    elif isinstance(document, dict) and "dataFeedElement" in document:
        for element in document["dataFeedElement"] or []:
            item = element.get("item", element) if isinstance(element, dict) else element
            yield from item if isinstance(item, list) else [item]
    else:
        yield document


def _parse(line: int, fields: Mapping[str, object]) -> Parsed:
    try:
        return line, make_claim(fields), None
    except ValueError as exc:
        return line, None, str(exc)


def read_claim_review(data: bytes) -> Iterator[Parsed]:
    """ClaimReview JSON / JSON-LD. Nodes of other @types (the page, the publisher) are context: line 0, no reason."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ClaimFormatError(f"not a JSON document: {exc}") from None
    for index, node in enumerate(_nodes(document), start=1):
        if not isinstance(node, dict):
            yield index, None, "not a JSON object"
        elif _types(node) and "ClaimReview" not in _types(node):
            yield 0, None, None
        else:
            yield _parse(index, claim_review_fields(node))


def read_jsonl(data: bytes) -> Iterator[Parsed]:
    """One object a line: canonical fields (as the simulator's claims.jsonl) or a ClaimReview."""
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield number, None, f"not JSON: {exc}"
            continue
        if not isinstance(record, dict):
            yield number, None, "not a JSON object"
        elif "claimReviewed" in record:
            yield _parse(number, claim_review_fields(record))
        else:
            yield _parse(number, record)


def read_csv(data: bytes, mapping: Mapping[str, str] | None = None) -> Iterator[Parsed]:
    """CSV with a header; `mapping` names the column of a field (canonical name -> column), the rest are
    found by their usual names (CSV_ALIASES). Line numbers are those of the file (header = line 1)."""
    unknown = sorted(set(mapping or {}) - set(FIELDS))
    if unknown:
        raise ClaimFormatError(f"unknown claim fields in the column mapping: {unknown}; known: {', '.join(FIELDS)}")
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    lower = {name.strip().lower(): i for i, name in enumerate(header)}
    columns: dict[str, int] = {}
    for name, aliases in CSV_ALIASES.items():
        wanted = (mapping or {}).get(name)
        if wanted is not None:
            if wanted.strip().lower() not in lower:
                raise ClaimFormatError(f"column {wanted!r} (for {name}) is not in the header: {header}")
            columns[name] = lower[wanted.strip().lower()]
        else:
            found = next((lower[a] for a in aliases if a in lower), None)
            if found is not None:
                columns[name] = found
    if "text" not in columns:
        raise ClaimFormatError(f"no claim text column in {header}: map one with text=COLUMN")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, None, f"unreadable CSV: {exc}"
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield reader.line_num, None, f"{len(row)} fields where the header has {len(header)}"
            continue
        yield _parse(reader.line_num, {name: row[i] for name, i in columns.items()})


def detect_format(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".json", ".jsonld"):
        return "claimreview"
    head = data.lstrip()[:1]
    if head == b"[":
        return "claimreview"
    if head == b"{":
        first = data.lstrip().split(b"\n", 1)[0]
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return "claimreview"  # an object spread over several lines: one JSON document
        return "jsonl"
    return "csv"


def read_claims(path: Path, fmt: str = "auto", mapping: Mapping[str, str] | None = None) -> Iterator[Parsed]:
    if fmt not in FORMATS:
        raise ClaimFormatError(f"unknown claim format {fmt!r}; choose from {', '.join(FORMATS)}")
    data = path.read_bytes()
    chosen = detect_format(path, data) if fmt == "auto" else fmt
    if chosen == "csv":
        return read_csv(data, mapping)
    return read_jsonl(data) if chosen == "jsonl" else read_claim_review(data)


# --- the store ---------------------------------------------------------------------------------------------------


class ClaimStoreBusyError(RuntimeError):
    pass


class ClaimStore:
    """`<data_dir>/claims/claims.parquet`: the debunked claims, one row per claim_id."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "claims"
        self.path = self.dir / "claims.parquet"

    def table(self) -> pa.Table:
        """All stored claims (an empty table with the schema when there are none)."""
        if not self.path.exists():
            return CLAIM_SCHEMA.empty_table()
        return pq.read_table(self.path, schema=CLAIM_SCHEMA)

    def __len__(self) -> int:
        return pq.ParquetFile(self.path).metadata.num_rows if self.path.exists() else 0

    def import_files(
        self, paths: Iterable[Path], fmt: str = "auto", mapping: Mapping[str, str] | None = None
    ) -> ImportReport:
        """Read each file, then merge everything read into the store in one atomic rewrite."""
        report = ImportReport()
        incoming: list[tuple[Claim, str, int]] = []
        for path in paths:
            for line, claim, reason in read_claims(path, fmt, mapping):
                if claim is None and reason is None:
                    report.skipped += 1
                    continue
                report.read += 1
                if claim is None:
                    report.rejects.append(BadRecord(str(path), line, reason or "unreadable"))
                else:
                    incoming.append((claim, str(path), line))
        self._merge(incoming, report)
        return report

    def import_claims(self, claims: Iterable[Claim], source: str = "<memory>") -> ImportReport:
        report = ImportReport()
        incoming = [(c, source, i) for i, c in enumerate(claims, start=1)]
        report.read = len(incoming)
        self._merge(incoming, report)
        return report

    def _merge(self, incoming: list[tuple[Claim, str, int]], report: ImportReport) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise ClaimStoreBusyError(f"another process is importing claims into {self.dir}") from exc
            current = self.table()
            rows = current.to_pylist()
            position = {row["claim_id"]: i for i, row in enumerate(rows)}
            now = datetime.now(UTC)
            changed = False
            for claim, source, line in incoming:
                at = position.get(claim.claim_id)
                digest = claim.content_hash
                if at is not None and rows[at]["content_hash"] == digest:
                    report.unchanged += 1
                    continue
                row = {**asdict(claim), "content_hash": digest, "source_file": source, "source_line": line}
                row["imported_at"] = now
                if at is None:
                    position[claim.claim_id] = len(rows)
                    rows.append(row)
                    report.added += 1
                else:
                    rows[at] = row
                    report.updated += 1
                changed = True
            if changed:
                self._write(pa.Table.from_pylist(rows, schema=CLAIM_SCHEMA))

    def _write(self, table: pa.Table) -> None:
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        pq.write_table(table, tmp, compression="zstd")
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
