"""Weibo, in the layout of the CED rumour dataset (Song et al.): one JSON file per original post, plus its
repost/comment tree in a file of the same name in a sibling folder.

    ced_weibo_rumor/original-microblog/<n>_<mid>_<uid>.json   {"text", "time" (unix), "user": {...}, ...}
    ced_weibo_rumor/rumor-repost/<n>_<mid>_<uid>.json         [{"mid", "parent", "kids", "uid", "text", "date"}]
    ced_weibo_rumor/non-rumor-repost/<n>_<mid>_<uid>.json

Inputs and what each yields:
- an original-microblog file: the original post (`_line` 1) and its author's account. Its repost file is *not*
  read: the ingest pipeline records the input path as every stored post's `source_file`, and it expands a
  folder into every file in it, so pulling in sibling files would store reposts under the wrong file and read
  them twice. Pass the repost file too (or the folder).
- a repost file: its records (`_line` = 1-based index in the array). The original in `../original-microblog/`
  is read for context only (its post_id and time), not emitted, for the same reason.
- the dataset folder itself (when `read` is called with it): every original, each followed by its repost
  files, then repost files without an original; each chunk carries the file it came from as `source`.

Mapping:
- The original's post_id is the `<mid>` part of the file name and its account_id the `<uid>` part (the JSON
  holds neither); a `mid`/`id` and a `uid`/`user.id` in the JSON win when present. created_at is `time`.
- A repost record is a post with post_id = mid, account_id = uid, created_at = date, text as found.
  Its target is the original when `parent` is null, empty, the original's mid, or the record's own mid; else the
  parent mid.
- Repost or comment: the *own words* of a record are its text before the first `//@` (Weibo appends the
  forwarded chain as `//@user: ...`). When the own words are empty or Weibo's default repost text
  ("转发微博", "轉發微博", "Repost"), the record is a plain forward: `repost_of` = target. Otherwise the user said
  something, and the record is a comment on its target: `reply_to` = target. In CED every record has a
  base62 mid and is, on Weibo, a forward; the ones with words are forwards-with-comment. Detectors that want
  the whole cascade should follow both `repost_of` and `reply_to`.
- Dates are naive China time (`RawChunk.naive_timezone`: options.naive_timezone or Asia/Shanghai). A date
  without a year ("03月05日 05:11") gets the year of the original post, or the next year when that would put
  it before the original; without a usable original time it is left as found (and quarantined by
  normalize.py as unparseable). `Mon Mar 31 20:25:25 +0800 2014` source times are passed on as found.
- Accounts come from the original's `user` object: followers, friends -> following, messages -> posts_count,
  verified, time -> created_at, the other fields (gender, location, description, verified_type) as extras.
  Some CED originals have `"user": "empty"`; they yield a post and no account.
- Rejected: a file that is not valid JSON (line 0), a repost file that is not an array (line 0), a record
  that is not an object or lacks a mid or a uid, and a record whose mid repeats within the file: the copy
  placed in the tree (with a parent) is kept, else the first one, and the others are rejected naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from floodwatch.ingest.base import (
    LINE,
    RAW_ACCOUNT_SCHEMA,
    RAW_POST_SCHEMA,
    RawChunk,
    ReaderOptions,
    Rejected,
    as_text,
    rows_to_table,
)

BOM = b"\xef\xbb\xbf"
DEFAULT_PLATFORM = "weibo"
DEFAULT_TIMEZONE = "Asia/Shanghai"
ORIGINALS = "original-microblog"
REPOST_DIRS = ("rumor-repost", "non-rumor-repost")
FORWARD_CHAIN = "//@"
DEFAULT_REPOST_TEXTS = frozenset({"转发微博", "轉發微博", "转发", "轉發", "repost"})
_TRAILING = " \t\r\n。.!！~～…"
# "<index>_<mid>_<uid>", e.g. 2601_85jBAr_1700757973
_FILE_NAME = re.compile(r"^\d+_(?P<mid>[^_]+)_(?P<uid>[^_]+)$")
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_USER_FIELDS = {"followers", "friends", "messages", "verified", "time", "id", "screen_name", "name"}


@dataclass(frozen=True)
class _Root:
    """What the records of a repost file need to know about their original post."""

    post_id: str
    account_id: str | None
    local_time: datetime | None  # naive, in the dataset's zone; for dates without a year


def _clean_id(value: Any) -> str | None:
    text = as_text(value)
    return (text.strip() or None) if text is not None else None


def _name_ids(path: Path) -> tuple[str, str | None]:
    """(post_id, account_id) from `<n>_<mid>_<uid>.json`; the bare file stem and None for other names."""
    match = _FILE_NAME.match(path.stem)
    return (match["mid"], match["uid"]) if match else (path.stem, None)


def _local_time(value: Any, zone: ZoneInfo) -> datetime | None:
    """The original post's time as naive wall-clock time in `zone`, or None when it cannot be read."""
    try:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
            value = float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = value / 1000 if abs(value) >= 1e11 else value
            return datetime.fromtimestamp(seconds, zone).replace(tzinfo=None)
        if isinstance(value, str):
            text = value.strip()
            try:
                parsed = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
            except ValueError:
                parsed = datetime.fromisoformat(text)
            return parsed.astimezone(zone).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (ValueError, OverflowError, OSError):
        return None
    return None


def fill_year(date: str | None, original: datetime | None) -> str | None:
    """ "03月05日 05:11" -> "YYYY-03-05 05:11:00" with the original's year, rolled forward a year when that
    would put the record before the original. Any other form, or no original time, is returned as found."""
    if date is None or original is None:
        return date
    match = _MONTH_DAY.match(date)
    if not match:
        return date
    month, day, hour, minute = (int(match[i]) for i in range(1, 5))
    second = int(match[5] or 0)
    try:
        when = datetime(original.year, month, day, hour, minute, second)
        if when < original:
            when = when.replace(year=original.year + 1)
    except ValueError:
        return date
    return when.strftime("%Y-%m-%d %H:%M:%S")


def is_plain_repost(text: str | None) -> bool:
    """True when the record adds no words of its own: empty, Weibo's default text, or only a `//@` chain."""
    own = (text or "").split(FORWARD_CHAIN, 1)[0].strip(_TRAILING)
    return own == "" or own.lower() in DEFAULT_REPOST_TEXTS


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _account(user: dict[str, Any], platform: str, account_id: str) -> dict[str, Any]:
    extras = {k: v for k, v in user.items() if k not in _USER_FIELDS and v is not None}
    return {
        "platform": platform,
        "account_id": account_id,
        "created_at": as_text(user.get("time")),
        "display_name": as_text(user.get("screen_name") if user.get("screen_name") is not None else user.get("name")),
        "followers": as_text(user.get("followers")),
        "following": as_text(user.get("friends")),
        "posts_count": as_text(user.get("messages")),
        "verified": as_text(user.get("verified")),
        "extras": _dumps(extras) if extras else None,
        LINE: 1,
    }


def _winners(records: list[Any], root_id: str) -> dict[str, int]:
    """For each repeated mid, the index of the copy to keep: the one placed in the tree, else the first."""
    best: dict[str, int] = {}
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            continue
        mid = _clean_id(rec.get("mid"))
        if mid is None:
            continue
        if mid not in best:
            best[mid] = i
            continue
        kept = records[best[mid]]
        if _has_parent(rec, root_id, mid) and not _has_parent(kept, root_id, mid):
            best[mid] = i
    return best


def _has_parent(rec: dict[str, Any], root_id: str, mid: str) -> bool:
    parent = _clean_id(rec.get("parent"))
    return parent is not None and parent not in (root_id, mid)


class WeiboReader:
    name = "weibo"
    description = "Weibo posts with repost/comment trees, CED dataset layout (original-microblog/, *-repost/)"

    def sniff(self, path: Path, head: bytes) -> bool:
        if path.is_dir():
            return (path / ORIGINALS).is_dir() or any((path / d).is_dir() for d in REPOST_DIRS)
        text = head.removeprefix(BOM).lstrip()
        window = text[:65536]
        if text.startswith(b"["):
            return b'"mid"' in window and (b'"parent"' in window or b'"uid"' in window) and b'"id_str"' not in window
        if not text.startswith(b"{") or b'"id_str"' in window or b'"post_id"' in window:
            return False
        if path.parent.name == ORIGINALS:
            return True
        return (
            b'"user"' in window
            and b'"text"' in window
            and any(key in window for key in (b'"reposts"', b'"pics"', b'"has_url"', b'"multi"'))
        )

    def read(self, path: Path, options: ReaderOptions) -> Iterator[RawChunk]:
        zone_name = options.naive_timezone or DEFAULT_TIMEZONE
        ctx = _Context(options.platform or DEFAULT_PLATFORM, zone_name, ZoneInfo(zone_name), max(1, options.chunk_rows))
        if path.is_dir():
            yield from ctx.folder(path)
        elif _is_repost_file(path):
            yield from ctx.reposts(path, ctx.root_for_reposts(path))
        else:
            chunk, _ = ctx.original(path)
            yield chunk


def _is_repost_file(path: Path) -> bool:
    if path.parent.name in REPOST_DIRS:
        return True
    if path.parent.name == ORIGINALS:
        return False
    with open(path, "rb") as fh:
        head = fh.read(4096).removeprefix(BOM).lstrip()
    return head.startswith(b"[")


@dataclass
class _Context:
    platform: str
    zone_name: str
    zone: ZoneInfo
    chunk_rows: int

    def _chunk(
        self,
        source: str,
        posts: list[dict[str, Any]],
        accounts: list[dict[str, Any]],
        rejects: list[Rejected],
        raw_lines: Callable[[list[int]], dict[int, str]],
        size: int,
    ) -> RawChunk:
        return RawChunk(
            source=source,
            posts=rows_to_table(posts, RAW_POST_SCHEMA),
            accounts=rows_to_table(accounts, RAW_ACCOUNT_SCHEMA) if accounts else None,
            rejects=rejects,
            naive_timezone=self.zone_name,
            raw_lines=raw_lines,
            progress_bytes=size,
        )

    def folder(self, path: Path) -> Iterator[RawChunk]:
        """The dataset folder: every original with its reposts, then reposts without an original.
        Any other folder: each of its JSON files on its own."""
        originals = path / ORIGINALS
        if not originals.is_dir() and not any((path / d).is_dir() for d in REPOST_DIRS):
            for file in sorted(path.glob("*.json")):
                yield from self.read_file(file)
            return
        seen: set[str] = set()
        for file in sorted(originals.glob("*.json")) if originals.is_dir() else []:
            seen.add(file.name)
            chunk, root = self.original(file)
            yield chunk
            for folder in REPOST_DIRS:
                sibling = path / folder / file.name
                if sibling.is_file():
                    yield from self.reposts(sibling, root)
        for folder in REPOST_DIRS:
            for file in sorted((path / folder).glob("*.json")):
                if file.name not in seen:
                    yield from self.reposts(file, self.root_for_reposts(file))

    def read_file(self, path: Path) -> Iterator[RawChunk]:
        if _is_repost_file(path):
            yield from self.reposts(path, self.root_for_reposts(path))
        else:
            yield self.original(path)[0]

    def root_for_reposts(self, path: Path) -> _Root:
        """The original of a repost file, read from `../original-microblog/` when it is there."""
        original = path.parent.parent / ORIGINALS / path.name
        if original.is_file() and original.resolve() != path.resolve():
            return self.original(original)[1]
        post_id, uid = _name_ids(path)
        return _Root(post_id, uid, None)

    def original(self, path: Path) -> tuple[RawChunk, _Root]:
        """The original post of `path` as a chunk, and what its reposts need to know about it."""
        source = str(path)
        data = path.read_bytes()
        post_id, uid = _name_ids(path)
        root = _Root(post_id, uid, None)
        posts: list[dict[str, Any]] = []
        accounts: list[dict[str, Any]] = []
        rejects: list[Rejected] = []

        def raw_lines(wanted: list[int]) -> dict[int, str]:
            return {n: data.decode("utf-8", "replace") for n in wanted}

        try:
            obj = orjson.loads(data.removeprefix(BOM))
        except orjson.JSONDecodeError as exc:
            rejects.append(Rejected(source, 0, f"invalid JSON: {exc}", data[:65536].decode("utf-8", "replace")))
            return self._chunk(source, posts, accounts, rejects, raw_lines, len(data)), root
        try:
            if not isinstance(obj, dict):
                rejects.append(
                    Rejected(source, 1, f"original post is not a JSON object but {type(obj).__name__}", _dumps(obj))
                )
                return self._chunk(source, posts, accounts, rejects, raw_lines, len(data)), root
            user = obj.get("user")
            user_obj = user if isinstance(user, dict) else {}
            post_id = _clean_id(obj.get("mid")) or _clean_id(obj.get("id")) or post_id
            uid = _clean_id(obj.get("uid")) or _clean_id(user_obj.get("id")) or uid
            root = _Root(post_id, uid, _local_time(obj.get("time"), self.zone))
            if uid is None:
                reason = "no uid: the file name is not <n>_<mid>_<uid>.json and the post names no uid"
                rejects.append(Rejected(source, 1, reason, data.decode("utf-8", "replace")))
            else:
                posts.append(
                    {
                        "platform": self.platform,
                        "post_id": post_id,
                        "account_id": uid,
                        "created_at": as_text(obj.get("time")),
                        "text": as_text(obj.get("text")),
                        LINE: 1,
                    }
                )
                if user_obj:
                    accounts.append(_account(user_obj, self.platform, uid))
        except Exception as exc:  # a malformed record must not stop the ingest
            posts, accounts = [], []
            rejects.append(Rejected(source, 1, f"cannot map original post: {type(exc).__name__}: {exc}", _dumps(obj)))
        return self._chunk(source, posts, accounts, rejects, raw_lines, len(data)), root

    def reposts(self, path: Path, root: _Root) -> Iterator[RawChunk]:
        """The records of one repost array, `chunk_rows` at a time."""
        source = str(path)
        data = path.read_bytes()
        try:
            records = orjson.loads(data.removeprefix(BOM))
        except orjson.JSONDecodeError as exc:
            reject = Rejected(source, 0, f"invalid JSON: {exc}", data[:65536].decode("utf-8", "replace"))
            yield self._chunk(source, [], [], [reject], lambda wanted: {}, len(data))
            return
        if not isinstance(records, list):
            why = f"repost file is not a JSON array but {type(records).__name__}"
            reject = Rejected(source, 0, why, data[:65536].decode("utf-8", "replace"))
            yield self._chunk(source, [], [], [reject], lambda wanted: {}, len(data))
            return
        winners = _winners(records, root.post_id)

        def raw_lines(wanted: list[int]) -> dict[int, str]:
            return {n: _dumps(records[n - 1]) for n in wanted if 0 < n <= len(records)}

        for start in range(0, len(records), self.chunk_rows):
            part = records[start : start + self.chunk_rows]
            posts: list[dict[str, Any]] = []
            rejects: list[Rejected] = []
            for offset, rec in enumerate(part):
                line = start + offset + 1
                try:
                    row, reason = self._repost(rec, line, root, winners)
                except Exception as exc:  # a malformed record must not stop the file
                    row, reason = None, f"cannot map record: {type(exc).__name__}: {exc}"
                if row is not None:
                    posts.append(row)
                else:
                    rejects.append(Rejected(source, line, reason or "unusable record", _dumps(rec)))
            size = len(data) * len(part) // max(1, len(records))
            yield self._chunk(source, posts, [], rejects, raw_lines, size)

    def _repost(
        self, rec: Any, line: int, root: _Root, winners: dict[str, int]
    ) -> tuple[dict[str, Any] | None, str | None]:
        """One repost record as a raw post row, or None and the reason it cannot be used."""
        if not isinstance(rec, dict):
            return None, f"record is not a JSON object but {type(rec).__name__}"
        mid = _clean_id(rec.get("mid"))
        if mid is None:
            return None, "record has no mid"
        uid = _clean_id(rec.get("uid"))
        if uid is None:
            return None, "record has no uid"
        kept = winners.get(mid, line - 1)
        if kept != line - 1:
            return None, f"duplicate mid {mid}: record {kept + 1} holds the same post and is kept"
        parent = _clean_id(rec.get("parent"))
        target = root.post_id if parent is None or parent in (root.post_id, mid) else parent
        text = as_text(rec.get("text"))
        plain = is_plain_repost(text)
        return {
            "platform": self.platform,
            "post_id": mid,
            "account_id": uid,
            "created_at": fill_year(as_text(rec.get("date")), root.local_time),
            "text": text,
            "reply_to": None if plain else target,
            "repost_of": target if plain else None,
            LINE: line,
        }, None


WEIBO = WeiboReader()
