"""Twitter / X: API v1.1 tweet objects and API v2 (twarc2) output, mapped to the raw canonical layout.

Accepted, sniffed per file:
- v1.1 tweets as JSON Lines (one tweet a line, as twarc 1 and the streaming API write them);
- v1.1 tweets as one JSON array (the PHEME files), or one pretty-printed tweet; `_line` is then the record
  index (1-based) within the array;
- twarc2 pages: JSON Lines, each line an API v2 response `{"data": [...], "includes": {"users": [...]}}`;
  every tweet of a page keeps the page's line number;
- twarc2 flattened lines: one v2 tweet a line with `author` (and referenced tweets) expanded inline.

Why the rules below:
- Text and entities are taken *as shown* on the record itself, so a retweet keeps its own "RT @x: ..." text.
  When a v1.1 record carries `extended_tweet` (streaming compatibility mode) its `full_text` and entities win,
  because the compatibility `entities` describe the truncated text and include a self-link to the tweet; for
  v2, `note_tweet` (posts over 280 characters) wins over `text` for the same reason.
- Entity lists are given to normalize.py only when the record has `entities`: an object with entities but no
  URLs becomes an empty list (the API knew there were none); no `entities` at all leaves the list null, so
  normalize.py extracts from the text.
- URLs: `expanded_url` first (what the author posted, the same in v1.1 and v2, so the two versions of one tweet
  agree), then v2 `unwound_url`, then the `t.co` `url`. Media entities are not URLs the author shared.
- A retweet's `quoted_status_id_str` belongs to the retweeted tweet, not to the retweeter, so a retweet never
  gets `quote_of`.
- Tweets that the API only *references* (`retweeted_status`, `quoted_status`, v2 `includes.tweets`) are not
  emitted as posts: they were not collected, and their embedded copies are often truncated. Their authors are
  emitted as accounts, since a user object is a real snapshot of that account.
- Accounts are deduplicated within a chunk by account_id; the last snapshot in file order wins (in a stream,
  the most recent one).
- A record that cannot be mapped (not an object, no id, a stream notice such as `{"delete": ...}`, a v2 page
  without tweets, or any error while mapping) becomes a `Rejected` with its line and the reason. Everything
  else (dates, numbers, missing authors) is checked once, in normalize.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from floodwatch.ingest.base import (
    ACCOUNT_KIND,
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
DEFAULT_PLATFORM = "twitter"

# Messages of the v1.1 streaming API that share the stream with tweets but are not tweets.
STREAM_NOTICES = (
    "delete",
    "limit",
    "scrub_geo",
    "status_withheld",
    "user_withheld",
    "disconnect",
    "warning",
    "event",
    "friends",
    "friends_str",
    "control",
)
# A few account fields beyond the canonical ones that help tell people from automation.
V1_USER_EXTRAS = (
    "name",
    "description",
    "location",
    "url",
    "lang",
    "time_zone",
    "utc_offset",
    "protected",
    "geo_enabled",
    "listed_count",
    "favourites_count",
    "default_profile",
    "default_profile_image",
)
V2_USER_EXTRAS = ("name", "description", "location", "url", "protected", "verified_type", "profile_image_url")
V2_METRIC_EXTRAS = ("listed_count", "like_count")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _first(*values: Any) -> Any:
    """The first value that is present and not an empty string."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


def _id(obj: dict[str, Any]) -> str | None:
    """`id_str` first: v1.1 `id` is a 64-bit number that JavaScript-era tools may have rounded."""
    text = as_text(_first(obj.get("id_str"), obj.get("id")))
    return (text.strip() or None) if text is not None else None


def _entity_texts(entities: Any, key: str, fields: tuple[str, ...]) -> list[str] | None:
    """Values of `entities[key][*][field]` (first field present); None when the record has no entities."""
    if not isinstance(entities, dict):
        return None
    out: list[str] = []
    for item in _list(entities.get(key)):
        if isinstance(item, str):
            value: Any = item
        elif isinstance(item, dict):
            value = _first(*(item.get(f) for f in fields))
        else:
            continue
        text = as_text(value)
        if text:
            out.append(text)
    return out


def _extras(user: dict[str, Any], keys: tuple[str, ...], more: dict[str, Any] | None = None) -> str | None:
    picked = {k: user[k] for k in keys if user.get(k) not in (None, "")}
    picked.update({k: v for k, v in (more or {}).items() if v not in (None, "")})
    return orjson.dumps(picked, default=str).decode() if picked else None


def _v1_account(user: Any, platform: str, line: int) -> dict[str, Any] | None:
    if not isinstance(user, dict) or _id(user) is None:
        return None
    return {
        "platform": platform,
        "account_id": _id(user),
        "created_at": as_text(user.get("created_at")),
        "display_name": as_text(user.get("screen_name")),
        "followers": as_text(user.get("followers_count")),
        "following": as_text(user.get("friends_count")),
        "posts_count": as_text(user.get("statuses_count")),
        "verified": as_text(user.get("verified")),
        "extras": _extras(user, V1_USER_EXTRAS),
        LINE: line,
    }


def _v2_account(user: Any, platform: str, line: int) -> dict[str, Any] | None:
    if not isinstance(user, dict) or _id(user) is None:
        return None
    metrics = _dict(user.get("public_metrics"))
    return {
        "platform": platform,
        "account_id": _id(user),
        "created_at": as_text(user.get("created_at")),
        "display_name": as_text(user.get("username")),
        "followers": as_text(metrics.get("followers_count")),
        "following": as_text(metrics.get("following_count")),
        "posts_count": as_text(metrics.get("tweet_count")),
        "verified": as_text(user.get("verified")),
        "extras": _extras(user, V2_USER_EXTRAS, {k: metrics.get(k) for k in V2_METRIC_EXTRAS}),
        LINE: line,
    }


def _v1_post(tweet: dict[str, Any], platform: str, line: int) -> dict[str, Any]:
    extended = _dict(tweet.get("extended_tweet"))
    entities = extended["entities"] if isinstance(extended.get("entities"), dict) else tweet.get("entities")
    retweeted = tweet.get("retweeted_status")
    quoted = _dict(tweet.get("quoted_status"))
    repost_of = _id(retweeted) if isinstance(retweeted, dict) else None
    quote_of = None
    if repost_of is None:
        quote_of = as_text(_first(tweet.get("quoted_status_id_str"), tweet.get("quoted_status_id"), _id(quoted)))
    return {
        "platform": platform,
        "post_id": _id(tweet),
        "account_id": _id(_dict(tweet.get("user"))),
        "created_at": as_text(tweet.get("created_at")),
        "text": as_text(_first(extended.get("full_text"), tweet.get("full_text"), tweet.get("text"))),
        "urls": _entity_texts(entities, "urls", ("expanded_url", "url")),
        "hashtags": _entity_texts(entities, "hashtags", ("text", "tag")),
        "mentions": _entity_texts(entities, "user_mentions", ("screen_name",)),
        "reply_to": as_text(_first(tweet.get("in_reply_to_status_id_str"), tweet.get("in_reply_to_status_id"))),
        "repost_of": repost_of,
        "quote_of": quote_of,
        "lang": as_text(tweet.get("lang")),
        LINE: line,
    }


def _v1_users(tweet: dict[str, Any]) -> list[Any]:
    """The author, plus the authors of the retweeted and quoted tweets embedded in the record."""
    users = [tweet.get("user")]
    for key in ("retweeted_status", "quoted_status"):
        users.append(_dict(tweet.get(key)).get("user"))
    users.append(_dict(_dict(tweet.get("retweeted_status")).get("quoted_status")).get("user"))
    return users


def _v2_post(tweet: dict[str, Any], platform: str, line: int) -> dict[str, Any]:
    note = _dict(tweet.get("note_tweet"))
    entities = note["entities"] if isinstance(note.get("entities"), dict) else tweet.get("entities")
    refs: dict[str, str] = {}
    for ref in _list(tweet.get("referenced_tweets")):
        if isinstance(ref, dict) and isinstance(ref.get("type"), str):
            ref_id = _id(ref)
            if ref_id is not None:
                refs.setdefault(ref["type"], ref_id)
    author_id = as_text(_first(tweet.get("author_id"), _id(_dict(tweet.get("author")))))
    return {
        "platform": platform,
        "post_id": _id(tweet),
        "account_id": author_id,
        "created_at": as_text(tweet.get("created_at")),
        "text": as_text(_first(note.get("text"), tweet.get("text"))),
        "urls": _entity_texts(entities, "urls", ("expanded_url", "unwound_url", "url")),
        "hashtags": _entity_texts(entities, "hashtags", ("tag", "text")),
        "mentions": _entity_texts(entities, "mentions", ("username", "screen_name")),
        "reply_to": refs.get("replied_to"),
        "repost_of": refs.get("retweeted"),
        "quote_of": None if "retweeted" in refs else refs.get("quoted"),
        "lang": as_text(tweet.get("lang")),
        LINE: line,
    }


def _v2_flat_users(tweet: dict[str, Any]) -> list[Any]:
    """Users twarc2's flattening put inline: the author, the replied-to user, the referenced tweets' authors."""
    users = [tweet.get("author"), tweet.get("in_reply_to_user")]
    users.extend(_dict(ref).get("author") for ref in _list(tweet.get("referenced_tweets")))
    return users


def is_v1(obj: dict[str, Any]) -> bool:
    """v1.1 tweets carry `id_str` and an embedded `user`; v2 tweets have neither (`author_id` instead)."""
    return "id_str" in obj or "user" in obj or "full_text" in obj or "retweeted_status" in obj


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


@dataclass
class _Batch:
    """Rows of one chunk under construction."""

    source: str
    platform: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejects: list[Rejected] = field(default_factory=list)

    def reject(self, line: int, reason: str, raw: Any) -> None:
        self.rejects.append(Rejected(self.source, line, reason, raw if isinstance(raw, str) else _dumps(raw)))

    def add_accounts(
        self, users: list[Any], mapper: Callable[[Any, str, int], dict[str, Any] | None], line: int
    ) -> None:
        """Embedded user objects as account rows; one that cannot be mapped is an account reject."""
        for user in users:
            try:
                row = mapper(user, self.platform, line)
            except Exception as exc:
                reason = f"cannot map user: {type(exc).__name__}: {exc}"
                self.rejects.append(Rejected(self.source, line, reason, _dumps(user), ACCOUNT_KIND))
                continue
            if row is not None:
                self.accounts.pop(row["account_id"], None)  # re-insert: the last snapshot wins
                self.accounts[row["account_id"]] = row

    def add(self, obj: Any, line: int, raw: str | None = None) -> None:
        """Map one parsed record (a tweet or a v2 page); any failure becomes a reject, never an exception."""
        original = raw if raw is not None else obj
        try:
            self._add(obj, line, original)
        except Exception as exc:
            self.reject(line, f"cannot map tweet: {type(exc).__name__}: {exc}", original)

    def _add(self, obj: Any, line: int, original: Any) -> None:
        if not isinstance(obj, dict):
            self.reject(line, f"not a JSON object but {type(obj).__name__}", original)
        elif "data" in obj:
            self._page(obj, line, original)
        elif _id(obj) is None:
            notice = next((k for k in STREAM_NOTICES if k in obj), None)
            reason = f"not a tweet: stream notice '{notice}'" if notice else "tweet has no id_str or id"
            self.reject(line, reason, original)
        elif is_v1(obj):
            self.posts.append(_v1_post(obj, self.platform, line))  # raises before appending, if at all
            self.add_accounts(_v1_users(obj), _v1_account, line)
        else:
            self.posts.append(_v2_post(obj, self.platform, line))
            self.add_accounts(_v2_flat_users(obj), _v2_account, line)

    def _page(self, page: dict[str, Any], line: int, original: Any) -> None:
        data = page["data"]
        tweets = [data] if isinstance(data, dict) else data
        if not isinstance(tweets, list):
            self.reject(line, f"API v2 page 'data' is not a list but {type(data).__name__}", original)
            return
        if not tweets:
            errors = _list(page.get("errors"))
            detail = f" ({len(errors)} errors, first: {_dumps(errors[0])[:200]})" if errors else ""
            self.reject(line, f"API v2 page holds no tweets{detail}", original)
            return
        for n, tweet in enumerate(tweets, start=1):
            if not isinstance(tweet, dict):
                self.reject(line, f"API v2 page tweet {n} is not a JSON object but {type(tweet).__name__}", tweet)
            elif _id(tweet) is None:
                self.reject(line, f"API v2 page tweet {n} has no id", tweet)
            else:
                try:
                    self.posts.append(_v2_post(tweet, self.platform, line))
                except Exception as exc:
                    self.reject(line, f"cannot map API v2 page tweet {n}: {type(exc).__name__}: {exc}", tweet)
        self.add_accounts(_list(_dict(page.get("includes")).get("users")), _v2_account, line)

    def chunk(self, options: ReaderOptions, raw_lines: Callable[[list[int]], dict[int, str]], size: int) -> RawChunk:
        return RawChunk(
            source=self.source,
            posts=rows_to_table(self.posts, RAW_POST_SCHEMA),
            accounts=rows_to_table(list(self.accounts.values()), RAW_ACCOUNT_SCHEMA) if self.accounts else None,
            rejects=self.rejects,
            naive_timezone=options.naive_timezone or "UTC",
            raw_lines=raw_lines,
            progress_bytes=size,
        )


def _is_document(path: Path) -> bool:
    """True when the file is one JSON document: an array, or an object pretty-printed over several lines.

    Decided from the first two non-blank lines, so a large JSON Lines file is never loaded whole. A first line
    that is a complete array followed by more lines is JSON Lines with a bad first record, not a document.
    """
    firsts: list[bytes] = []
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh):
            line = (raw.removeprefix(BOM) if number == 0 else raw).strip()
            if line:
                firsts.append(line)
                if len(firsts) == 2:
                    break
    if not firsts:
        return False
    first = firsts[0]
    if first == b"{":
        return True
    if not first.startswith(b"["):
        return False
    if len(firsts) == 1:
        return True
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return True
    return False


class TwitterReader:
    name = "twitter"
    description = "Twitter/X API v1.1 tweets (JSON Lines or JSON array) and API v2 twarc2 pages or flattened lines"

    def sniff(self, path: Path, head: bytes) -> bool:
        text = head.removeprefix(BOM).lstrip()
        if text.startswith(b"["):
            window = text[:65536]
            if b'"mid"' in window and b'"parent"' in window:
                return False  # a Weibo repost array
            return b'"id_str"' in window or b'"author_id"' in window or b'"edit_history_tweet_ids"' in window
        if not text.startswith(b"{"):
            return False
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:5]
        for line in lines:
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                return _looks_like_tweet(line)  # a long line cut by the sniffing window
            if isinstance(obj, dict):
                if "post_id" in obj or "mid" in obj:
                    return False
                if "data" in obj:
                    data = obj["data"]
                    tweets = [data] if isinstance(data, dict) else _list(data)
                    return any(isinstance(t, dict) and "text" in t and "id" in t for t in tweets)
                if (
                    "id" in obj
                    and ("text" in obj or "full_text" in obj)
                    and (is_v1(obj) or "author_id" in obj or "author" in obj or "edit_history_tweet_ids" in obj)
                ):
                    return True
                if any(k in obj for k in STREAM_NOTICES) and len(obj) == 1:
                    continue  # a v1.1 stream may start with notices; look at the next line
            return False
        return False

    def read(self, path: Path, options: ReaderOptions) -> Iterator[RawChunk]:
        platform = options.platform or DEFAULT_PLATFORM
        if _is_document(path):
            yield from self._read_document(path, options, platform)
        else:
            yield from self._read_lines(path, options, platform)

    def _read_lines(self, path: Path, options: ReaderOptions, platform: str) -> Iterator[RawChunk]:
        source = str(path)
        limit = max(1, options.chunk_rows)
        with open(path, "rb") as fh:
            batch = _Batch(source, platform)
            lines: list[bytes] = []
            start = 1
            for line_no, raw in enumerate(fh, start=1):
                if line_no == 1:
                    raw = raw.removeprefix(BOM)
                lines.append(raw)
                stripped = raw.strip()
                if stripped:
                    try:
                        obj = orjson.loads(stripped)
                    except orjson.JSONDecodeError as exc:
                        batch.reject(line_no, f"invalid JSON: {exc}", raw.decode("utf-8", "replace").rstrip("\n"))
                    else:
                        batch.add(obj, line_no, raw.decode("utf-8", "replace").rstrip("\n"))
                if len(batch.posts) + len(batch.rejects) >= limit:
                    yield batch.chunk(options, _line_source(lines, start), sum(len(x) for x in lines))
                    batch, lines, start = _Batch(source, platform), [], line_no + 1
            if lines:
                yield batch.chunk(options, _line_source(lines, start), sum(len(x) for x in lines))

    def _read_document(self, path: Path, options: ReaderOptions, platform: str) -> Iterator[RawChunk]:
        source = str(path)
        data = path.read_bytes()
        try:
            doc = orjson.loads(data.removeprefix(BOM))
        except orjson.JSONDecodeError as exc:
            batch = _Batch(source, platform)
            batch.reject(0, f"invalid JSON: {exc}", data[:65536].decode("utf-8", "replace"))
            yield batch.chunk(options, lambda wanted: {}, len(data))
            return
        records = doc if isinstance(doc, list) else [doc]
        limit = max(1, options.chunk_rows)
        for start in range(0, len(records), limit):
            part = records[start : start + limit]
            batch = _Batch(source, platform)
            for offset, obj in enumerate(part):
                batch.add(obj, start + offset + 1)
            size = len(data) * len(part) // max(1, len(records))
            yield batch.chunk(options, _record_source(records), size)


def _line_source(lines: list[bytes], start: int) -> Callable[[list[int]], dict[int, str]]:
    def raw_lines(wanted: list[int]) -> dict[int, str]:
        return {
            n: lines[n - start].decode("utf-8", "replace").rstrip("\n") for n in wanted if 0 <= n - start < len(lines)
        }

    return raw_lines


def _record_source(records: list[Any]) -> Callable[[list[int]], dict[int, str]]:
    def raw_lines(wanted: list[int]) -> dict[int, str]:
        return {n: _dumps(records[n - 1]) for n in wanted if 0 < n <= len(records)}

    return raw_lines


def _looks_like_tweet(line: bytes) -> bool:
    """Judge a line cut by the sniffing window by the keys it starts with."""
    if b'"post_id"' in line or b'"mid"' in line:
        return False
    if line.startswith(b'{"data"') and (b'"author_id"' in line or b'"edit_history_tweet_ids"' in line):
        return True
    v1 = b'"id_str"' in line and any(
        k in line for k in (b'"user"', b'"created_at"', b'"retweet_count"', b'"in_reply_to_status_id')
    )
    v2 = b'"author_id"' in line and (b'"edit_history_tweet_ids"' in line or b'"__twarc"' in line or b'"text"' in line)
    return v1 or v2


TWITTER = TwitterReader()
