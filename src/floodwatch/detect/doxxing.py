"""Doxxing: posts that expose another person's personal data, above all when aimed at someone.

A post is scored from the personal data it carries (detect/pii.py) and how it is aimed:

- Each distinct kind of data adds evidence, weighted by how much it exposes a person (`KIND_WEIGHTS`: a resident
  ID number or SSN most, a landline least, as landlines in posts are mostly shops' and offices' numbers); the
  weights combine as independent evidence, score = 1 - prod(1 - w), so several kinds at once score higher.
- Aimed at someone (a reply to another account's post, or a mention of another account): the remaining doubt
  shrinks by `AIMED_BOOST`. Replying to one's own post or mentioning oneself does not count.
- The same value posted by several accounts (a pile-on passing the data around): the doubt shrinks by
  `SPREAD_BOOST`.

Traffic diversion is not doxxing: an account that posts the same contact (phone, e-mail, card, plate, address)
in `own_repeats` or more of its posts, not all aimed at one and the same person, is advertising its own contact,
and that value is left out for that account. Identity numbers (resident ID, SSN) are never counted as one's own
contact: nobody advertises them. A post that keeps no value after that is not scored.

One finding per (platform, posting account, target): the target is the replied-to post's author when the post
is in the table, else the first mentioned account; untargeted posts are findings of their own. Evidence holds
post ids, times, kinds and counts, redacted snippets, and values only as keyed hashes (HMAC-SHA256, 16 hex
digits), which link repeats of a value across posts and accounts without revealing it. The key comes from the
caller, else $FLOODWATCH_PII_KEY, else a random key for this run (hashes then link within the run only): a
known key would let anyone hash all 10^10 mobile numbers and read the values back.

Speed: Arrow's vectorised NFKC and regex drop the posts without a digit or an @ before any Python runs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from floodwatch.detect.pii import ALL, KIND_NAMES, KINDS, PiiMatch, detect_pii, mask, may_contain_pii
from floodwatch.schema import Finding, Subject

DETECTOR = "doxxing"
VERSION = "1"
KEY_ENV = "FLOODWATCH_PII_KEY"

KIND_WEIGHTS: dict[str, float] = {
    "id_cn": 0.45,
    "ssn_us": 0.45,
    "bank_card": 0.35,
    "address_cn": 0.35,
    "mobile_cn": 0.3,
    "phone_us": 0.3,
    "phone_intl": 0.3,
    "plate_cn": 0.25,
    "email": 0.15,
    "landline_cn": 0.1,
}
AIMED_BOOST = 0.4
SPREAD_BOOST = 0.2
NEVER_OWN = frozenset(("id_cn", "ssn_us"))
REQUIRED_COLUMNS = ("platform", "post_id", "account_id", "created_at", "text", "mentions", "reply_to")


@dataclass(frozen=True)
class DoxxingParams:
    min_score: float = 0.5  # a lone mobile number aimed at someone scores 0.58, a lone ID number unaimed 0.45
    own_repeats: int = 3  # posts of one account with the same contact that make it the account's own
    kinds: tuple[str, ...] = KINDS
    snippet_chars: int = 160
    max_posts_in_evidence: int = 25

    def parameters(self) -> dict[str, Any]:
        return {
            "min_score": self.min_score,
            "own_repeats": self.own_repeats,
            "kinds": list(self.kinds),
            "kind_weights": {k: KIND_WEIGHTS[k] for k in self.kinds},
            "aimed_boost": AIMED_BOOST,
            "spread_boost": SPREAD_BOOST,
        }


@dataclass
class _Hit:
    """One post with personal data."""

    platform: str
    post_id: str
    account: str
    created_at: datetime
    text: str
    matches: list[PiiMatch]
    hashes: list[str]
    target: str | None = None
    aimed: str | None = None  # "reply" or "mention"
    reply_to: str | None = None
    kept: list[int] = field(default_factory=list)  # indexes of matches that are not the account's own
    score: float = 0.0


def value_hasher(key: bytes) -> Callable[[str, str], str]:
    """A keyed hash of (kind, value): equal values link, and without the key none can be read back."""

    def digest(kind: str, value: str) -> str:
        return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:16]

    return digest


def _key(given: bytes | None) -> tuple[bytes, str]:
    if given is not None:
        return given, "given"
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode(), f"${KEY_ENV}"
    return os.urandom(32), "random for this run"


def _candidate_hits(posts: pa.Table, kinds: Collection[str], digest: Callable[[str, str], str]) -> list[_Hit]:
    """The posts with personal data; only those passing the vectorised pre-filter reach the Python detector."""
    flagged = pc.indices_nonzero(may_contain_pii(posts.column("text")))
    texts = posts.column("text").take(flagged).to_pylist()
    found = [(i, m) for i, text in enumerate(texts) if (m := detect_pii(text, kinds))]
    if not found:
        return []
    columns = ("platform", "post_id", "account_id", "created_at", "mentions", "reply_to")
    rows = posts.select(list(columns)).take(pc.take(flagged, pa.array([i for i, _ in found]))).to_pylist()
    hits: list[_Hit] = []
    for row, (i, matches) in zip(rows, found, strict=True):
        hit = _Hit(
            platform=row["platform"],
            post_id=row["post_id"],
            account=row["account_id"],
            created_at=row["created_at"],
            text=texts[i],
            matches=matches,
            hashes=[digest(m.kind, m.value) for m in matches],
            reply_to=row["reply_to"],
        )
        mentioned = [m for m in row["mentions"] or [] if m != hit.account]
        hit.target, hit.aimed = (mentioned[0], "mention") if mentioned else (None, None)
        hits.append(hit)
    return hits


# (platform, post_id) pairs -> a table of their posts' platform, post_id and account_id (those that exist).
AuthorLookup = Callable[[list[tuple[str, str]]], pa.Table]


def authors_in(posts: pa.Table) -> AuthorLookup:
    """The author lookup over an in-memory posts table."""

    def lookup(wanted: list[tuple[str, str]]) -> pa.Table:
        ids = pa.array(sorted({post_id for _, post_id in wanted}), pa.string())
        return posts.select(["platform", "post_id", "account_id"]).filter(pc.is_in(posts.column("post_id"), ids))

    return lookup


def _resolve_replies(authors_of: AuthorLookup, hits: list[_Hit]) -> None:
    """Aim replies at the replied-to post's author (when that post is known), before mentions."""
    wanted = sorted({(h.platform, h.reply_to) for h in hits if h.reply_to})
    if not wanted:
        return
    parents = authors_of(wanted)
    author = {
        (p, i): a
        for p, i, a in zip(
            parents.column("platform").to_pylist(),
            parents.column("post_id").to_pylist(),
            parents.column("account_id").to_pylist(),
            strict=True,
        )
    }
    for h in hits:
        if not h.reply_to:
            continue
        parent = author.get((h.platform, h.reply_to))
        if parent is None:
            h.aimed = h.aimed or "reply"  # a reply to a post outside the table: aimed at someone unknown
        elif parent != h.account:
            h.target, h.aimed = parent, "reply"


def _own_values(hits: list[_Hit], repeats: int) -> set[tuple[str, str, str]]:
    """(platform, account, value hash) of contacts an account posts again and again, not at one person."""
    posts: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    targets: dict[tuple[str, str, str], set[str | None]] = defaultdict(set)
    for h in hits:
        for m, digest in zip(h.matches, h.hashes, strict=True):
            if m.kind in NEVER_OWN:
                continue
            key = (h.platform, h.account, digest)
            posts[key].add(h.post_id)
            targets[key].add(h.target if h.aimed else None)
    return {
        key
        for key, ids in posts.items()
        if len(ids) >= repeats and not (len(targets[key]) == 1 and None not in targets[key])
    }


def _score(h: _Hit, spread: dict[tuple[str, str], set[str]]) -> float:
    doubt = 1.0
    for kind in {h.matches[i].kind for i in h.kept}:
        doubt *= 1.0 - KIND_WEIGHTS[kind]
    if h.aimed:
        doubt *= 1.0 - AIMED_BOOST
    if any(len(spread[(h.platform, h.hashes[i])]) >= 2 for i in h.kept):
        doubt *= 1.0 - SPREAD_BOOST
    return round(1.0 - doubt, 4)


def _explain(account: str, target: str | None, aimed: str | None, group: list[_Hit], spread_accounts: int) -> str:
    kinds = sorted({h.matches[i].kind for h in group for i in h.kept}, key=KINDS.index)
    what = ", ".join(KIND_NAMES[k] for k in kinds)
    posts = f"{len(group)} post{'s' if len(group) != 1 else ''}"
    if target is not None:
        how = "replies to" if aimed == "reply" else "mentions of"
        text = f"{account} posted personal data ({what}) in {posts} aimed at {target} ({how} them)."
    elif aimed == "reply":
        text = f"{account} posted personal data ({what}) in {posts} replying to a post outside this data."
    else:
        text = f"{account} posted personal data ({what}) in {posts}."
    if spread_accounts >= 2:
        text += f" The same values were posted by {spread_accounts} accounts."
    return text + " Values appear only as keyed hashes; snippets are redacted."


def detect_doxxing(
    posts: pa.Table | pa.RecordBatchReader,
    params: DoxxingParams = DoxxingParams(),
    hash_key: bytes | None = None,
    authors_of: AuthorLookup | None = None,
) -> list[Finding]:
    """`doxxing` findings for the posts (columns of the store's `posts` view), highest score first.

    `posts` may be a stream of batches, read once (only the posts with personal data are kept); replies are then
    aimed through `authors_of`, which finds the replied-to posts' authors. For a table it defaults to a lookup in
    the table itself."""
    missing = [c for c in REQUIRED_COLUMNS if c not in posts.schema.names]
    if missing:
        raise ValueError(f"the posts table lacks columns {missing}")
    unknown = set(params.kinds) - ALL
    if unknown:
        raise ValueError(f"unknown PII kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    key, key_source = _key(hash_key)
    digest = value_hasher(key)
    if authors_of is None:
        if isinstance(posts, pa.RecordBatchReader):
            raise ValueError("a stream of posts needs `authors_of` to aim replies")
        authors_of = authors_in(posts)
    batches = posts if isinstance(posts, pa.RecordBatchReader) else posts.to_batches()
    hits = [hit for batch in batches for hit in _candidate_hits(pa.Table.from_batches([batch]), params.kinds, digest)]
    _resolve_replies(authors_of, hits)
    own = _own_values(hits, params.own_repeats)
    spread: dict[tuple[str, str], set[str]] = defaultdict(set)
    for h in hits:
        h.kept = [i for i, d in enumerate(h.hashes) if (h.platform, h.account, d) not in own]
        for i in h.kept:
            spread[(h.platform, h.hashes[i])].add(h.account)
    groups: dict[tuple[str, str, str], list[_Hit]] = defaultdict(list)
    for h in hits:
        if not h.kept:
            continue
        h.score = _score(h, spread)
        aim = h.target or (f"reply:{h.reply_to}" if h.aimed == "reply" else f"post:{h.post_id}")
        groups[(h.platform, h.account, aim)].append(h)
    parameters = {**params.parameters(), "value_hash": f"HMAC-SHA256, first 16 hex digits; key: {key_source}"}
    own_skipped: dict[tuple[str, str], int] = defaultdict(int)
    for platform, account, _ in own:
        own_skipped[(platform, account)] += 1
    findings = []
    for (platform, account, _), group in groups.items():
        score = max(h.score for h in group)
        if score < params.min_score:
            continue
        group.sort(key=lambda h: (h.created_at, h.post_id))
        target, aimed = group[0].target, group[0].aimed
        kinds_count: dict[str, int] = defaultdict(int)
        for h in group:
            for i in h.kept:
                kinds_count[h.matches[i].kind] += 1
        hashes = sorted({h.hashes[i] for h in group for i in h.kept})
        spread_accounts = max(len(spread[(platform, d)]) for d in hashes)
        shown = group[: params.max_posts_in_evidence]
        evidence = {
            "account": account,
            "target": target,
            "aimed": aimed,
            "kinds": dict(sorted(kinds_count.items(), key=lambda kv: KINDS.index(kv[0]))),
            "value_hashes": hashes,
            "spread_accounts": spread_accounts,
            "own_contacts_skipped": own_skipped.get((platform, account), 0),
            "post_count": len(group),
            "posts": [
                {
                    "post_id": h.post_id,
                    "created_at": h.created_at.isoformat(),
                    "score": h.score,
                    "kinds": sorted({h.matches[i].kind for i in h.kept}, key=KINDS.index),
                    "value_hashes": [h.hashes[i] for i in h.kept],
                    "snippet": _snippet(h, params.snippet_chars),
                }
                for h in shown
            ],
        }
        subjects = [Subject("account", platform, account)]
        if target is not None:
            subjects.append(Subject("account", platform, target))
        subjects.extend(Subject("post", platform, h.post_id) for h in shown)
        findings.append(
            Finding(
                kind="doxxing",
                score=score,
                subjects=tuple(subjects),
                start=group[0].created_at,
                end=group[-1].created_at,
                explanation=_explain(account, target, aimed, group, spread_accounts),
                evidence=evidence,
                detector=DETECTOR,
                detector_version=VERSION,
                parameters=parameters,
            )
        )
    findings.sort(key=lambda f: (-f.score, f.start, f.id))
    return findings


def _snippet(h: _Hit, limit: int) -> str:
    """The post's text with all personal data masked (every kind, not only those scored), cut to `limit`."""
    redacted = mask(h.text, detect_pii(h.text))
    return redacted if len(redacted) <= limit else redacted[: limit - 1] + "…"
