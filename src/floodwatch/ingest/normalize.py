"""Raw chunks -> canonical, typed records, or quarantine with a reason. Vectorised: DuckDB SQL + Arrow compute.

The rules, in one place for every format:
- required fields (platform, post_id, account_id, created_at) must be present and non-empty;
- `created_at`: ISO 8601 with offset; naive `YYYY-MM-DD HH:MM[:SS]` in the chunk's zone; epoch seconds, or
  milliseconds when the number is ≥ 1e11; Twitter v1.1 `Wed Oct 10 20:19:24 +0000 2018`. Stored as UTC
  microseconds and accepted only within 1990-01-01 .. 2100-01-01;
- text in Unicode NFKC (full-width digits and letters become ASCII, compatibility forms fold);
- URLs, hashtags (`#tag` and Weibo `#话题#`) and mentions are extracted from the text when the source did not
  give them; empty entries are dropped, so posts without a URL never share an "empty URL";
- URLs are normalised (see urls.py) and the originals kept in `urls_original`;
- `lang` is kept when given, else a script-based hint: zh / ja / ko, `en` for Latin text with English
  function words, null when unsure.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from floodwatch.ingest.base import ACCOUNT_KIND, LINE, POST_KIND, RawChunk, Rejected
from floodwatch.ingest.urls import normalize_url

URL_PATTERN = r"(?i)\b(?:https?://|www\.)[^\s<>\"'，。！？、；：“”‘’（）【】《》]+"
URL_TRAILING = ".,;:!?)]}'\""
WEIBO_TAG = r"#([^#\s@]{0,40}\p{Han}[^#\s@]{0,40})#"
PLAIN_TAG = r"(?:^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]+)"
MENTION = r"(?:^|[^\p{L}\p{N}_.])@([\p{L}\p{N}_\-]+)"
PLATFORM_NAME = r"[a-z0-9][a-z0-9._\-]{0,63}"  # also a directory name in the store
# Case-insensitive in the pattern: RE2 folds case ~2x faster than lower() copies every text.
ENGLISH_HINT = r"(?i)\b(the|and|is|are|was|to|of|in|that|it|for|you|this|with|on|not|have)\b"

_TS_SQL = """
CASE
  WHEN {v} IS NULL THEN NULL
  WHEN regexp_full_match({v}, '-?\\d+(\\.\\d+)?') THEN
    CASE WHEN abs(TRY_CAST({v} AS DOUBLE)) < 1e11 THEN to_timestamp(TRY_CAST({v} AS DOUBLE))
         WHEN abs(TRY_CAST({v} AS DOUBLE)) < 1e14 THEN to_timestamp(TRY_CAST({v} AS DOUBLE) / 1000)
         ELSE TIMESTAMPTZ '{beyond}' END
  WHEN regexp_full_match({v}, '\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}([ T]\\d{{1,2}}:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?)?')
    THEN timezone("{TZ}", TRY_CAST(replace({v}, 'T', ' ') AS TIMESTAMP))
  ELSE coalesce(TRY_CAST({v} AS TIMESTAMPTZ), try_strptime({v}, '%a %b %d %H:%M:%S %z %Y'))
END
"""
MIN_TIME = "1990-01-01 00:00:00+00"
# Columns the normaliser adds to a batch of chunks: which chunk a row came from, and that chunk's zone.
CHUNK = "_chunk"
TZ = "_tz"
MAX_TIME = "2100-01-01 00:00:00+00"


def _clean(col: str) -> str:
    return f"nullif(trim({col}), '')"


def _ts(col: str) -> str:
    # An epoch too large for any timestamp maps to a time past the range, so it is rejected as out of range.
    return _TS_SQL.format(v=_clean(col), beyond=MAX_TIME, TZ=TZ)


def _list_clean(expr: str, strip: str) -> str:
    """Trim each element, strip marker characters, drop empty ones."""
    return (
        f"list_filter(list_transform({expr}, lambda x: trim(trim(x), '{strip}')), lambda x: x IS NOT NULL AND x <> '')"
    )


def _time_reason(raw_col: str, ts_col: str) -> str:
    return (
        f"WHEN {ts_col} IS NULL THEN 'unparseable created_at: ' || {_clean(raw_col)} "
        f"WHEN {ts_col} < TIMESTAMPTZ '{MIN_TIME}' OR {ts_col} >= TIMESTAMPTZ '{MAX_TIME}' "
        f"THEN 'created_at out of range (1990-2100): ' || {_clean(raw_col)} "
    )


def sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


# Each extraction runs only on texts that can hold what it looks for: a cheap `contains` skips the regex.
_EXTRACTED_URLS = (
    "coalesce(urls, CASE WHEN contains(p_text, '://') OR contains(lower(p_text), 'www.') THEN "
    f"list_transform(regexp_extract_all(p_text, {sql_str(URL_PATTERN)}), lambda x: rtrim(x, {sql_str(URL_TRAILING)})) "
    "ELSE [] END)"
)
# Hashtags are read from the text without its URLs, so a URL fragment (`/page#top`) is never a tag.
_TEXT_NO_URLS = f"regexp_replace(p_text, {sql_str(URL_PATTERN)}, ' ', 'g')"
_EXTRACTED_TAGS = (
    "coalesce(hashtags, CASE WHEN contains(p_text, '#') THEN "
    f"list_concat(regexp_extract_all(p_tag_text, {sql_str(WEIBO_TAG)}, 1), "
    f"regexp_extract_all(regexp_replace(p_tag_text, {sql_str(WEIBO_TAG)}, ' ', 'g'), {sql_str(PLAIN_TAG)}, 1)) "
    "ELSE [] END)"
)
_EXTRACTED_MENTIONS = (
    f"coalesce(mentions, CASE WHEN contains(p_text, '@') THEN regexp_extract_all(p_text, {sql_str(MENTION)}, 1) "
    "ELSE [] END)"
)
CJK = r"[\p{Hiragana}\p{Katakana}\p{Hangul}\p{Han}]"
KANA = r"[\p{Hiragana}\p{Katakana}]"

_PLATFORM_REASONS = (
    "WHEN p_platform IS NULL THEN 'missing required field: platform' "
    f"WHEN NOT regexp_full_match(p_platform, {sql_str(PLATFORM_NAME)}) "
    "THEN 'invalid platform name (letters, digits, . _ - only): ' || p_platform"
)

POSTS_SQL = f"""
WITH typed AS (
  SELECT *,
    lower({_clean("platform")}) AS p_platform,
    {_clean("post_id")} AS p_post_id,
    {_clean("account_id")} AS p_account_id,
    {_ts("created_at")} AS p_created_at,
    coalesce(text, '') AS p_text,
    CASE WHEN hashtags IS NULL AND contains(text, '#') THEN {_TEXT_NO_URLS.replace("p_text", "coalesce(text, '')")} END
      AS p_tag_text,
    regexp_extract(coalesce(text, ''), {sql_str(CJK)}) AS p_cjk
  FROM raw
)
SELECT
  p_platform AS platform, p_post_id AS post_id, p_account_id AS account_id,
  CAST(p_created_at AS TIMESTAMPTZ) AS created_at,
  text,
  {_list_clean(_EXTRACTED_URLS, " ")} AS urls,
  {_list_clean(_EXTRACTED_TAGS, "#")} AS hashtags,
  {_list_clean(_EXTRACTED_MENTIONS, "@")} AS mentions,
  {_clean("reply_to")} AS reply_to,
  {_clean("repost_of")} AS repost_of,
  {_clean("quote_of")} AS quote_of,
  CASE
    WHEN {_clean("lang")} IS NOT NULL THEN lower({_clean("lang")})
    WHEN trim(p_text) = '' THEN NULL
    WHEN p_cjk = '' THEN CASE WHEN regexp_matches(p_text, '{ENGLISH_HINT}') THEN 'en' END
    WHEN regexp_matches(p_text, {sql_str(KANA)}) THEN 'ja'
    WHEN regexp_matches(p_cjk, '\\p{{Hangul}}') THEN 'ko'
    ELSE 'zh'
  END AS lang,
  "{LINE}" AS source_line,
  "{CHUNK}",
  CASE
    {_PLATFORM_REASONS}
    WHEN p_post_id IS NULL THEN 'missing required field: post_id'
    WHEN p_account_id IS NULL THEN 'missing required field: account_id'
    WHEN {_clean("created_at")} IS NULL THEN 'missing required field: created_at'
    {_time_reason("created_at", "p_created_at")}
  END AS reject_reason
FROM typed
"""

ACCOUNTS_SQL = f"""
WITH typed AS (
  SELECT *, lower({_clean("platform")}) AS p_platform, {_clean("account_id")} AS p_account_id,
    {_ts("created_at")} AS p_created_at
  FROM raw
)
SELECT
  p_platform AS platform, p_account_id AS account_id, CAST(p_created_at AS TIMESTAMPTZ) AS created_at,
  {_clean("display_name")} AS display_name,
  TRY_CAST(TRY_CAST({_clean("followers")} AS DOUBLE) AS BIGINT) AS followers,
  TRY_CAST(TRY_CAST({_clean("following")} AS DOUBLE) AS BIGINT) AS following,
  TRY_CAST(TRY_CAST({_clean("posts_count")} AS DOUBLE) AS BIGINT) AS posts_count,
  CASE WHEN lower({_clean("verified")}) IN ('true', '1', 'yes', 't', 'y') THEN true
       WHEN lower({_clean("verified")}) IN ('false', '0', 'no', 'f', 'n') THEN false END AS verified,
  {_clean("extras")} AS extras,
  "{LINE}" AS source_line,
  "{CHUNK}",
  CASE
    {_PLATFORM_REASONS}
    WHEN p_account_id IS NULL THEN 'missing required field: account_id'
    WHEN {_clean("created_at")} IS NOT NULL AND p_created_at IS NULL
      THEN 'unparseable created_at: ' || {_clean("created_at")}
    WHEN {_clean("followers")} IS NOT NULL AND TRY_CAST({_clean("followers")} AS DOUBLE) IS NULL
      THEN 'followers is not a number: ' || {_clean("followers")}
    WHEN {_clean("following")} IS NOT NULL AND TRY_CAST({_clean("following")} AS DOUBLE) IS NULL
      THEN 'following is not a number: ' || {_clean("following")}
    WHEN {_clean("posts_count")} IS NOT NULL AND TRY_CAST({_clean("posts_count")} AS DOUBLE) IS NULL
      THEN 'posts_count is not a number: ' || {_clean("posts_count")}
  END AS reject_reason
FROM typed
"""


@dataclass
class NormalizedBatch:
    """Typed records of one or more chunks; `_chunk` on each row names its chunk in `chunks`."""

    chunks: list[RawChunk]
    posts: pa.Table | None  # canonical fields + urls_original + source_line + _chunk
    accounts: pa.Table | None
    rejects: list[Rejected]


def _nfkc(table: pa.Table, column: str) -> pa.Table:
    idx = table.schema.get_field_index(column)
    return table.set_column(idx, column, pc.utf8_normalize(table.column(column), "NFKC"))


def _normalize_urls(table: pa.Table) -> pa.Table:
    """Map every distinct URL through `normalize_url` once, keeping list offsets."""
    originals = table.column("urls").combine_chunks()
    flat = originals.flatten()
    distinct = pc.unique(flat)
    mapped = pa.array([normalize_url(u) for u in distinct.to_pylist()], type=pa.string())
    normalised_flat = pc.take(mapped, pc.index_in(flat, value_set=distinct))
    normalised = pa.ListArray.from_arrays(originals.offsets, normalised_flat, mask=originals.is_null())
    table = table.set_column(table.schema.get_field_index("urls"), "urls", normalised)
    return table.append_column("urls_original", originals)


def _raw_text(chunk: RawChunk, table: pa.Table, lines: list[int]) -> dict[int, str]:
    """The original text of some lines of one chunk, or the parsed fields as JSON where it has none."""
    if chunk.raw_lines is not None:
        return chunk.raw_lines(lines)
    wanted = pa.array(lines, type=pa.int64())
    rows = table.filter(pc.is_in(table.column(LINE), value_set=wanted)).to_pylist()
    hidden = {LINE, CHUNK, TZ}
    return {int(r[LINE]): orjson.dumps({k: v for k, v in r.items() if k not in hidden}).decode() for r in rows}


def _run(con: duckdb.DuckDBPyConnection, raw: pa.Table, sql: str) -> pa.Table:
    con.register("raw", raw)
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        con.unregister("raw")


def _split_result(
    chunks: list[RawChunk], raw: pa.Table, result: pa.Table, kind: str
) -> tuple[pa.Table, list[Rejected]]:
    reasons = result.column("reject_reason")
    bad = result.filter(pc.is_valid(reasons))
    good = result.filter(pc.is_null(reasons)).drop_columns(["reject_reason"])
    rejects: list[Rejected] = []
    by_chunk: dict[int, list[tuple[int, str]]] = {}
    for line, index, reason in zip(
        bad.column("source_line").to_pylist(),
        bad.column(CHUNK).to_pylist(),
        reasons.filter(pc.is_valid(reasons)).to_pylist(),
        strict=True,
    ):
        by_chunk.setdefault(int(index), []).append((int(line), str(reason)))
    for index, items in by_chunk.items():
        chunk = chunks[index]
        own = raw.filter(pc.equal(raw.column(CHUNK), index))
        raw_by_line = _raw_text(chunk, own, [line for line, _ in items])
        rejects.extend(Rejected(chunk.source, line, reason, raw_by_line.get(line, ""), kind) for line, reason in items)
    return good, rejects


def _split(
    con: duckdb.DuckDBPyConnection, chunks: list[RawChunk], raw: pa.Table, sql: str, kind: str
) -> tuple[pa.Table, list[Rejected]]:
    try:
        result = _run(con, raw, sql)
    except duckdb.Error:
        # A value the SQL did not foresee: go row by row, so only the offending rows are rejected.
        return _split_rows(con, chunks, raw, sql, kind)
    return _split_result(chunks, raw, result, kind)


def _split_rows(
    con: duckdb.DuckDBPyConnection, chunks: list[RawChunk], raw: pa.Table, sql: str, kind: str
) -> tuple[pa.Table, list[Rejected]]:
    good: list[pa.Table] = []
    rejects: list[Rejected] = []
    for i in range(raw.num_rows):
        row = raw.slice(i, 1)
        try:
            result = _run(con, row, sql)
        except duckdb.Error as exc:
            line, index = int(row.column(LINE)[0].as_py()), int(row.column(CHUNK)[0].as_py())
            raw_text = _raw_text(chunks[index], row, [line]).get(line, "")
            rejects.append(Rejected(chunks[index].source, line, f"cannot normalise: {exc}", raw_text, kind))
            continue
        table, bad = _split_result(chunks, row, result, kind)
        good.append(table)
        rejects.extend(bad)
    if good:
        return pa.concat_tables(good), rejects
    return _run(con, raw.slice(0, 0), sql).drop_columns(["reject_reason"]), rejects


def _tagged(chunks: list[RawChunk], attr: str) -> pa.Table | None:
    """One table of every chunk's `attr` records, each row tagged with its chunk index and time zone."""
    parts = []
    for index, chunk in enumerate(chunks):
        table = getattr(chunk, attr)
        if table is None or not table.num_rows:
            continue
        n = table.num_rows
        table = table.append_column(CHUNK, pa.array([index] * n, type=pa.int32()))
        parts.append(table.append_column(TZ, pa.array([chunk.naive_timezone] * n, type=pa.string())))
    return pa.concat_tables(parts) if parts else None


def normalize_chunks(con: duckdb.DuckDBPyConnection, chunks: list[RawChunk]) -> NormalizedBatch:
    """Type, validate and normalise chunks as one batch. Every input row ends in exactly one of the outputs."""
    con.execute("SET TimeZone = 'UTC'")
    rejects = [r for chunk in chunks for r in chunk.rejects]
    posts = accounts = None
    raw_posts = _tagged(chunks, "posts")
    if raw_posts is not None:
        posts, bad = _split(con, chunks, _nfkc(raw_posts, "text"), POSTS_SQL, POST_KIND)
        posts = _normalize_urls(posts)
        rejects.extend(bad)
    raw_accounts = _tagged(chunks, "accounts")
    if raw_accounts is not None:
        accounts, bad = _split(con, chunks, _nfkc(raw_accounts, "display_name"), ACCOUNTS_SQL, ACCOUNT_KIND)
        rejects.extend(bad)
    return NormalizedBatch(chunks, posts, accounts, rejects)


def normalize_chunk(con: duckdb.DuckDBPyConnection, chunk: RawChunk) -> NormalizedBatch:
    """One chunk on its own (readers' tests and tools)."""
    return normalize_chunks(con, [chunk])
