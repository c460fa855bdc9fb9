"""What a report may print of free text: account and post ids become stable pseudonyms, personal data is masked.

Every free-text field that reaches a report (detector explanations, case titles, notice texts and responses,
typical-case summaries) goes through `Redactor.clean`:

1. ids → pseudonyms. The ids known for the text (the subjects of its finding or case) and every other token of
   it that is an account id in the event store (when there is one) become "account A", "account B", ... (posts
   "post A", links "url A"). One `Pseudonyms` serves the whole report, so the same account has the same name
   in every section, and the names say nothing about the account.
2. the labels of a published typical case ("account A" as `govern/publish.py` numbered them within that case)
   are renamed to the report's pseudonyms of the same subjects, so that "account A" means one account per report.
3. personal data (ID, phone, card numbers, e-mail and home addresses, ...) is masked by `floodwatch.detect.pii`.
4. @handles of people who are not subjects are dropped, as publish does.

Ids written in CJK characters are replaced when they are a subject of the text; other such ids are not found
(a token of Chinese text has no boundaries to look it up by): the report says so in its limits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from string import ascii_uppercase

import duckdb

from floodwatch.detect.pii import redact
from floodwatch.govern.cases import SubjectRef
from floodwatch.govern.publish import MENTION, anonymise
from floodwatch.store.events import EventStore

PSEUDONYM_KINDS = ("account", "post", "url")
# Candidate account ids among the text: ASCII runs of word characters, dots and hyphens (ids like `river_6775`),
# long enough not to be counts; a token glued to CJK text is still found, as CJK is not part of the run.
_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{3,}[A-Za-z0-9_]")
_LABEL = re.compile(r"\b(account|post|url) ([A-Z]{1,3})\b")
_EDGE = "A-Za-z0-9_"  # an id is replaced only where it is not part of a longer ASCII word


def letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, ... (bijective base 26, like spreadsheet columns)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = ascii_uppercase[rest] + out
    return out


class Pseudonyms:
    """Report-wide names for subjects, numbered in the order they are first met, per kind."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str] = {}
        self._count: Counter[str] = Counter()

    def name(self, kind: str, ident: str) -> str:
        key = (kind, ident)
        if key not in self._names:
            self._names[key] = f"{kind} {letters(self._count[kind])}"
            self._count[kind] += 1
        return self._names[key]

    def __len__(self) -> int:
        return len(self._names)


IdLookup = Callable[[set[str]], set[str]]


class StoreAccounts:
    """Which tokens are account ids in the event store (cached, looked up in batches)."""

    def __init__(self, data_dir: Path) -> None:
        store = EventStore(data_dir)
        self._con: duckdb.DuckDBPyConnection | None = store.connect() if store.manifests() else None
        self._known: dict[str, bool] = {}

    def __call__(self, tokens: set[str]) -> set[str]:
        unseen = [t for t in tokens if t not in self._known]
        if unseen and self._con is not None:
            rows = self._con.execute(
                "SELECT DISTINCT account_id FROM posts WHERE account_id IN (SELECT unnest(?::VARCHAR[]))", [unseen]
            ).fetchall()
            found = {str(r[0]) for r in rows}
            self._known.update((t, t in found) for t in unseen)
        return {t for t in tokens if self._known.get(t, False)}

    def close(self) -> None:
        if self._con is not None:
            self._con.close()


class Redactor:
    """Cleans free text for publication (see the module docstring); one per report."""

    def __init__(self, lookup: IdLookup | None = None) -> None:
        self.pseudonyms = Pseudonyms()
        self._lookup = lookup

    def prefetch(self, texts: Iterable[str]) -> None:
        """Look up the candidate ids of many texts at once (one store query instead of one per text)."""
        if self._lookup is not None:
            self._lookup({t for text in texts for t in _TOKEN.findall(text)})

    def clean(
        self, text: str, subjects: Iterable[SubjectRef] = (), case_labels: Mapping[str, SubjectRef] | None = None
    ) -> str:
        """`text` ready to print: ids → pseudonyms, a typical case's labels → the report's, PII masked, handles gone."""
        if not text:
            return text
        if case_labels:
            text = _LABEL.sub(lambda m: self._relabel(m, case_labels), text)
        kinds = {s.id: s.kind for s in subjects if s.kind in PSEUDONYM_KINDS}
        if self._lookup is not None:
            for ident in self._lookup(set(_TOKEN.findall(text))):
                kinds.setdefault(ident, "account")
        if kinds:
            # named when met, so the letters follow the order of the text, and unmentioned subjects use none
            alternatives = "|".join(re.escape(i) for i in sorted(kinds, key=len, reverse=True))
            text = re.sub(
                f"(?<![{_EDGE}])(?:{alternatives})(?![{_EDGE}])",
                lambda m: self.pseudonyms.name(kinds[m.group(0)], m.group(0)),
                text,
            )
        return MENTION.sub("@[account]", redact(text))

    def _relabel(self, match: re.Match[str], case_labels: Mapping[str, SubjectRef]) -> str:
        subject = case_labels.get(match.group(0))
        return self.pseudonyms.name(subject.kind, subject.id) if subject is not None else match.group(0)


def typical_case_labels(subjects: Iterable[SubjectRef]) -> dict[str, SubjectRef]:
    """The label publish.py gave each subject of a case ("account A" → the subject), computed by publish's own
    `anonymise` on each id, so the two always agree."""
    ordered = list(subjects)
    return {anonymise(s.id, ordered): s for s in ordered if s.kind in PSEUDONYM_KINDS}
