"""Canonical schemas: the contract every reader targets and every detector reads.

`POST_SCHEMA` and `ACCOUNT_SCHEMA` are the canonical records of docs/formats.md (DESIGN.md §3).
The event store keeps a few provenance columns beside them (`STORED_POST_SCHEMA`), so that any stored
post can be traced back to the file and line it came from.
`Finding` is the immutable output record of every detector.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import orjson
import pyarrow as pa

UTC_MICROS = pa.timestamp("us", tz="UTC")
STRING_LIST = pa.list_(pa.string())

POST_SCHEMA = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("post_id", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("created_at", UTC_MICROS, nullable=False),
        pa.field("text", pa.string()),
        pa.field("urls", STRING_LIST),
        pa.field("hashtags", STRING_LIST),
        pa.field("mentions", STRING_LIST),
        pa.field("reply_to", pa.string()),
        pa.field("repost_of", pa.string()),
        pa.field("quote_of", pa.string()),
        pa.field("lang", pa.string()),
    ]
)

# Provenance kept in the store beside the canonical fields.
PROVENANCE_FIELDS = [
    pa.field("urls_original", STRING_LIST),  # the URLs as they appeared, before normalisation
    pa.field("content_hash", pa.string()),  # tells an exact re-delivery from a conflicting one
    pa.field("source_file", pa.string()),
    pa.field("source_line", pa.int64()),
    pa.field("batch_id", pa.string()),
]
STORED_POST_SCHEMA = pa.schema([*POST_SCHEMA, *PROVENANCE_FIELDS])

ACCOUNT_SCHEMA = pa.schema(
    [
        pa.field("platform", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("created_at", UTC_MICROS),
        pa.field("display_name", pa.string()),
        pa.field("followers", pa.int64()),
        pa.field("following", pa.int64()),
        pa.field("posts_count", pa.int64()),
        pa.field("verified", pa.bool_()),
        pa.field("extras", pa.string()),  # free-form JSON object
    ]
)
STORED_ACCOUNT_SCHEMA = pa.schema(
    [
        *ACCOUNT_SCHEMA,
        pa.field("content_hash", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("source_line", pa.int64()),
        pa.field("batch_id", pa.string()),
    ]
)

POST_REQUIRED = ("platform", "post_id", "account_id", "created_at")
POST_TEXT_FIELDS = ("platform", "post_id", "account_id", "text", "reply_to", "repost_of", "quote_of", "lang")
POST_LIST_FIELDS = ("urls", "hashtags", "mentions")
ACCOUNT_TEXT_FIELDS = ("platform", "account_id", "display_name", "extras")
ACCOUNT_INT_FIELDS = ("followers", "following", "posts_count")


def _freeze(value: Any) -> Any:
    """Deep-freeze JSON-like evidence so a Finding cannot be altered after it is made."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Subject:
    """What a finding is about: an account, a post, a URL, a platform or a claim."""

    kind: str
    platform: str | None
    id: str


@dataclass(frozen=True)
class Finding:
    """One detector's immutable, explainable verdict.

    `explanation` is plain language for an analyst; `evidence` holds the posts, accounts, times and figures
    behind `score`, so the verdict can be checked without rerunning the detector.
    """

    kind: str
    score: float
    subjects: tuple[Subject, ...]
    start: datetime
    end: datetime
    explanation: str
    evidence: Mapping[str, Any]
    detector: str
    detector_version: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be within [0, 1], got {self.score}")
        if self.end < self.start:
            raise ValueError("a finding cannot end before it starts")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("finding times must carry a time zone")
        object.__setattr__(self, "subjects", tuple(self.subjects))
        object.__setattr__(self, "evidence", _freeze(self.evidence))
        object.__setattr__(self, "parameters", _freeze(self.parameters))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "score": self.score,
            "subjects": [{"kind": s.kind, "platform": s.platform, "id": s.id} for s in self.subjects],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "explanation": self.explanation,
            "evidence": _thaw(self.evidence),
            "detector": self.detector,
            "detector_version": self.detector_version,
            "parameters": _thaw(self.parameters),
        }

    def to_json_line(self) -> bytes:
        """One line of a findings.jsonl file: `to_dict()` as JSON, newline-terminated."""
        return orjson.dumps(self.to_dict(), default=str) + b"\n"

    @property
    def id(self) -> str:
        """Content address: the same verdict from the same detector always has the same id."""
        body = {
            "kind": self.kind,
            "score": self.score,
            "subjects": [[s.kind, s.platform, s.id] for s in self.subjects],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "evidence": _thaw(self.evidence),
            "detector": self.detector,
            "detector_version": self.detector_version,
            "parameters": _thaw(self.parameters),
        }
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
        return f"fnd_{digest[:24]}"
