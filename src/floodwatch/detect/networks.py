"""Coordination networks of one kind: floodwatch's co-action pairs, or coordination-network-toolkit's exactly.

`floodwatch network KIND` writes one network per co-action kind, under one of two semantics.

**floodwatch (the default).** The kind maps to a floodwatch co-action kind (co_tweet = same_text, co_retweet =
repost, co_link = url, co_reply = reply, co_similar_tweet = similar_text, co_post = every post on one key) and
the events go through the co-action engine, hot keys bounded by `max_neighbours`. An edge is an *undirected*
account pair; its weight is the number of distinct co-acting posts of the less involved account (`moments_sql` in
coordination.py): a burst of n × m co-actions between two accounts is min(n, m) moments, not n · m, and a pair
that co-acted three times is 3 whichever account is asked. (Without the cap that is min(a -> b, b -> a) of the
directed weights below, on floodwatch's events.) Same-text and link keys follow floodwatch's event rules
(events.py: normalised text without links and mentions, at least `min_text_chars`; normalised URLs). co_post
puts every post on one key, so the engine's cap is what bounds it, and it is the slowest kind.

**`compat="cnt"`: coordination-network-toolkit (CNT) 1.5.2, exactly.** What CNT computes (compute_networks.py),
reproduced here in DuckDB SQL rather than SQLite self-joins:

- a *directed* edge user_1 -> user_2 whose weight is the number of distinct messages of user_1 that have a
  matching message of user_2 no more than `window` seconds before or after (both ends inclusive); the weights
  of a -> b and b -> a differ when one account posted more;
- co_tweet matches CNT's `message_preprocessor` text: lower case (Python's `str.lower`), every `@` up to the next
  whitespace removed, whitespace runs collapsed; reposts excluded. Empty and mention-only messages all share the
  empty text and co-tweet with one another, as they do in CNT;
- co_retweet matches `repost_id`; co_reply matches `reply_id` among non-reposts; co_post matches every message;
- co_link matches the URLs of non-reposts as CNT reads them (the `urls` field split on single spaces) but
  **without CNT's empty-URL bug**: CNT's `split(" ")` turns an empty field, a double space or a leading or
  trailing space into the URL "", so every message without a link "co-links" with every other one;
- co_similar_tweet uses CNT's tokenizer (`similarity.tokenize`, which needs the `regex` package) and its Jaccard
  similarity of token sets, with `similarity_threshold` (CNT's CLI default 0.8) and `min_tokens` (CNT's
  `--min_document_size_similarity`, default 1: a message with fewer tokens matches nothing). CNT compares every
  message with every other one within the window in Python, O(n²) per window; here the comparison runs only on
  candidate pairs that share a *prefix token* (each token set sorted rarest token first, its first
  n - ceil(t·n) + 1 tokens): two sets with Jaccard >= t always share one (prefix filtering, Chaudhuri et al.
  2006), so the candidates lose no pair and every candidate is then checked with the exact Jaccard. The result
  is CNT's; differences could only come from a different `regex` (Unicode) version;
- self-loops (a user matching its own message, which every message does) are left out, as CNT's export does by
  default (`user_1 != user_2`); `self_loops=True` keeps them, as `--include_self_loops` does, with CNT's weight:
  the user's messages that carry the key;
- output columns as CNT's CSV export: source, target, weight, edge_type.

There is no cap in compat mode: every pair of events of a key within the window is enumerated (each key's events
numbered by time, each joined with the following ones up to the window's end: an equi-join, so the work is the
number of pairs within the window, never the key's n² over all time). On a hot key that is the cost of exact CNT
results: 100,000 reposts of one post inside one window are 5·10⁹ pairs. The intermediate results stay in DuckDB,
which spills to disk beyond its memory limit; only the edges reach Python, in batches, when written.

Input fields as CNT reads them: the store normalises text to Unicode NFKC (so full-width "ＨＥＬＬＯ" equals
"hello") and cleans URL lists, which would change co_tweet, co_similar_tweet and co_link matches. So for posts
ingested from a CNT CSV that is still where it was ingested from, unchanged (size and SHA-256 as recorded in the
store's manifest), the raw `message` and `urls` are read back from that file; other posts fall back to the
store's fields and the run says how many did. Known differences that remain, all on inputs CNT's README rules
out or that break it: ids are the store's (trimmed of surrounding spaces, where CNT keeps them; an id field of
spaces only is no repost or reply); timestamps must be epoch seconds of 1990-2100 (the store rejects other
times and reads numbers >= 1e11 as milliseconds; CNT takes any number); of two rows with the same message_id
but different content the store quarantines the second where CNT keeps its URLs.
"""

from __future__ import annotations

import contextlib
import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from floodwatch.detect.cnt_text import TOKEN_SEPARATOR, RegexMissingError, cnt_joined_tokens, cnt_preprocess
from floodwatch.detect.coordination import moments_sql
from floodwatch.detect.events import IN_DUCKDB, EventBuilder, EventParams, prepare_posts
from floodwatch.engines.base import CoactionEngine, PairParams
from floodwatch.engines.duckdb import DuckDBEngine
from floodwatch.export.graph import GRAPH_FORMATS, write_graph
from floodwatch.ingest.normalize import sql_str
from floodwatch.ingest.pipeline import sha256_of
from floodwatch.store.events import EventStore

NETWORK_KINDS = ("co_tweet", "co_retweet", "co_link", "co_reply", "co_similar_tweet", "co_post")
# The floodwatch co-action kind behind each network in the default mode; co_post has none, it is built here.
FLOODWATCH_KINDS = {
    "co_tweet": "same_text",
    "co_retweet": "repost",
    "co_link": "url",
    "co_reply": "reply",
    "co_similar_tweet": "similar_text",
    "co_post": "post",
}
COMPAT_MODES = ("cnt",)
CNT_VERSION = "1.5.2"
CNT_COLUMNS = ("source", "target", "weight", "edge_type")
CNT_SIMILARITY_THRESHOLD = 0.8  # CNT's CLI default (its Python function's default is 0.9)
NETWORK_TABLE = "network_edges"


class NetworkError(ValueError):
    """Parameters or data a network cannot be computed from; the message says what to change."""


@dataclass(frozen=True)
class NetworkParams:
    kind: str
    window: float = 30.0  # seconds, both ends inclusive
    min_weight: int = 2
    compat: str | None = None  # None: floodwatch semantics; "cnt": coordination-network-toolkit's
    platform: str | None = None  # only this platform's posts
    self_loops: bool = False  # compat: keep user -> same user edges (CNT's --include_self_loops)
    similarity_threshold: float | None = None  # co_similar_tweet: Jaccard of CNT tokens (compat, default 0.8)
    # or of character shingles (default mode: the near-duplicate clustering's threshold, default 0.7)
    min_tokens: int = 1  # compat co_similar_tweet: messages with fewer tokens match nothing
    max_neighbours: int = 50  # default mode: later events of a key each event is paired with
    events: EventParams = field(default_factory=EventParams)

    def validate(self) -> None:
        if self.kind not in NETWORK_KINDS:
            raise NetworkError(f"unknown network kind {self.kind!r}; choose one of {', '.join(NETWORK_KINDS)}")
        if self.compat is not None and self.compat not in COMPAT_MODES:
            raise NetworkError(f"unknown compatibility mode {self.compat!r}; available: {', '.join(COMPAT_MODES)}")
        if not self.window >= 0:
            raise NetworkError(f"the window must be zero or more seconds, got {self.window}")
        if self.min_weight < 1:
            raise NetworkError(f"the minimum edge weight must be at least 1, got {self.min_weight}")
        if self.similarity_threshold is not None and not 0.0 < self.similarity_threshold <= 1.0:
            raise NetworkError(f"the similarity threshold must be in (0, 1], got {self.similarity_threshold}")
        if self.min_tokens < 1:
            # CNT with 0 uses plain Jaccard, which divides by zero on two empty messages and stops.
            raise NetworkError(f"the minimum tokens per message must be at least 1, got {self.min_tokens}")
        if self.max_neighbours < 1:
            raise NetworkError(f"max_neighbours must be at least 1, got {self.max_neighbours}")
        if self.self_loops and self.compat is None:
            raise NetworkError("self-loops exist only in CNT's directed networks: add --compat cnt")


@dataclass
class NetworkRun:
    """What `compute_network` did; the edges are in the DuckDB temp table `network_edges`."""

    params: NetworkParams
    posts: int = 0
    events: int = 0
    edges: int = 0
    capped_events: int = 0  # default mode: events whose neighbours on a hot key were cut at max_neighbours
    capped_keys: int = 0
    fields_from_source: int = 0  # compat: posts whose raw message and urls were read back from their CNT CSV
    fields_from_store: int = 0  # compat: posts that had to use the store's NFKC text and cleaned URLs
    candidate_pairs: int = 0  # compat co_similar_tweet: message pairs whose Jaccard was computed
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> tuple[str, ...]:
        return CNT_COLUMNS if self.params.compat else EDGE_COLUMNS


EDGE_COLUMNS = (
    "platform_a",
    "account_a",
    "platform_b",
    "account_b",
    "weight",
    "kinds",
    "co_actions",
    "keys",
    "first_at",
    "last_at",
)


def _register_cnt_text(con: duckdb.DuckDBPyConnection) -> None:
    """cnt_text(VARCHAR): CNT's Python text preprocessing as a vectorised UDF."""
    from duckdb import sqltypes
    from duckdb.func import FunctionNullHandling, PythonUDFType

    def text_udf(values: pa.Array) -> pa.Array:
        return pa.array([cnt_preprocess(v) for v in values.to_pylist()], pa.string())

    with contextlib.suppress(duckdb.InvalidInputException, duckdb.CatalogException):
        con.remove_function("cnt_text")  # registered by an earlier network on this connection
    con.create_function(
        "cnt_text",
        text_udf,
        [sqltypes.VARCHAR],
        sqltypes.VARCHAR,
        type=PythonUDFType.ARROW,
        null_handling=FunctionNullHandling.SPECIAL,
    )


# --- the original CNT fields ------------------------------------------------------------------------------------


def _csv_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        first = fh.readline()
    return [c.strip() for c in next(csv.reader([first.removeprefix("\ufeff")]), [])]


def _usable_cnt_sources(con: duckdb.DuckDBPyConnection, store: EventStore, where: str) -> list[Path]:
    """The CNT CSVs behind the selected posts that are still there, byte for byte as they were ingested."""
    wanted = {str(r[0]) for r in con.execute(f"SELECT DISTINCT source_file FROM posts WHERE {where}").fetchall()}
    recorded = {s.path: s for m in store.manifests() for s in m.sources if s.format == "cnt" and s.path in wanted}
    usable = []
    for name, info in sorted(recorded.items()):
        path = Path(name)
        try:
            if not path.is_file() or path.stat().st_size != info.size:
                continue
            if not {"message_id", "message", "urls"} <= set(_csv_header(path)) or sha256_of(path) != info.sha256:
                continue
        except OSError:
            continue
        usable.append(path)
    return usable


def _original_rows(path: Path, batch_rows: int = 200_000) -> Iterator[pa.Table]:
    """(post_id, message, urls) of every well-formed row of a CNT CSV, read as CNT reads it.

    CNT opens the file in text mode (universal newlines: a quoted CRLF inside a message becomes LF) and parses
    it with Python's csv module; so does this, in batches. Columns are found by name, as floodwatch's reader
    maps them. A file CNT could not read either (invalid UTF-8, broken quoting) raises ValueError."""
    with open(path, encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = [c.strip() for c in next(reader, [])]
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        try:
            i_id, i_message, i_urls = (header.index(c) for c in ("message_id", "message", "urls"))
        except ValueError:
            raise ValueError(f"{path} has no message_id, message and urls columns") from None
        ids: list[str] = []
        messages: list[str] = []
        urls: list[str] = []
        try:
            for row in reader:
                if len(row) != len(header) or not row[i_id].strip(" "):
                    continue  # quarantined by the store's reader
                ids.append(row[i_id].strip(" "))
                messages.append(row[i_message])
                urls.append(row[i_urls])
                if len(ids) >= batch_rows:
                    yield pa.table({"post_id": ids, "message": messages, "urls": urls})
                    ids, messages, urls = [], [], []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: {exc}") from None
        yield pa.table({"post_id": ids, "message": messages, "urls": urls})


def _text_mode_newlines(column: str) -> str:
    """A value as Python reads it from a file opened in text mode: CRLF and lone CR become LF."""
    return f"replace(replace(coalesce({column}, ''), chr(13) || chr(10), chr(10)), chr(13), chr(10))"


def _read_originals_fast(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """`_original_rows` with DuckDB's parallel CSV reader into cnt_original_rows, in one statement (all or
    nothing), several times faster.

    Strict: a row that is not standard CSV (stray quotes, a wrong number of fields, invalid UTF-8) makes it give
    up (False) and the caller reads the file as CNT does. On a file it accepts, the values are those of Python's
    csv module, once line breaks in quoted fields are translated as text mode translates them."""
    header = _csv_header(path)
    columns = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in header) + "}"
    try:
        con.execute(
            f"""
            INSERT INTO cnt_original_rows
            SELECT {sql_str(str(path))}, trim(message_id, ' '), {_text_mode_newlines("message")},
              {_text_mode_newlines("urls")}
            FROM read_csv({sql_str(str(path))}, auto_detect = false, header = true, delim = ',', quote = '"',
              escape = '"', columns = {columns}, strict_mode = true, null_padding = false)
            WHERE trim(message_id, ' ') <> ''
            """
        )
    except duckdb.Error:
        return False
    return True


def _load_originals(con: duckdb.DuckDBPyConnection, sources: list[Path]) -> None:
    """Temp table cnt_originals(source_file, post_id, message, urls, one_version): the raw fields of each message id.

    A message id whose rows in a file differ in message or urls (not `one_version`) is left to the store's fields:
    which row the store kept cannot be told from the CSV alone (CNT keeps the first). A file that cannot be read
    contributes nothing (its posts use the store's fields)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cnt_original_rows (source_file VARCHAR, post_id VARCHAR, message VARCHAR, "
        "urls VARCHAR)"
    )
    for path in sources:
        if _read_originals_fast(con, path):
            continue
        # Batches go to a table of their own first, so a file that fails halfway contributes nothing.
        con.execute("CREATE OR REPLACE TEMP TABLE cnt_file_rows AS SELECT * FROM cnt_original_rows LIMIT 0")
        try:
            for batch in _original_rows(path):
                con.register("_cnt_batch", batch)
                try:
                    con.execute(f"INSERT INTO cnt_file_rows SELECT {sql_str(str(path))}, * FROM _cnt_batch")
                finally:
                    con.unregister("_cnt_batch")
        except (OSError, ValueError):
            continue
        con.execute("INSERT INTO cnt_original_rows SELECT * FROM cnt_file_rows")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cnt_originals AS
        SELECT source_file, post_id, min(message) AS message, min(urls) AS urls,
          min(message) = max(message) AND min(urls) = max(urls) AS one_version
        FROM cnt_original_rows GROUP BY source_file, post_id;
        DROP TABLE cnt_original_rows;
        DROP TABLE IF EXISTS cnt_file_rows;
        """
    )


# --- compat: CNT's directed networks ----------------------------------------------------------------------------

# Events (mid, uid, t, kid) of the messages that can match, per kind; `cnt_posts` holds the selected posts.
_CNT_KEYS = {
    "co_tweet": "SELECT mid, uid, t, k.key FROM cnt_posts JOIN cnt_text_keys k USING (text_cnt) "
    "WHERE repost_of IS NULL",
    "co_retweet": "SELECT mid, uid, t, repost_of AS key FROM cnt_posts WHERE repost_of IS NOT NULL",
    "co_reply": "SELECT mid, uid, t, reply_to AS key FROM cnt_posts WHERE repost_of IS NULL AND reply_to IS NOT NULL",
    "co_link": "SELECT mid, uid, t, unnest(list_distinct(urls_cnt)) AS key FROM cnt_posts WHERE repost_of IS NULL",
    "co_post": "SELECT mid, uid, t, '' AS key FROM cnt_posts",
}

# Ordered pairs of events of one key within the window, each once: events numbered by (t, mid) within their key,
# each joined with the following ones up to the last within `window` (an equi-join on the number). {extra} names
# further columns of `cnt_events` to carry along for both ends.
_PAIRS_SQL = """
WITH keyed AS (
  SELECT * FROM cnt_events
  WHERE kid IN (SELECT kid FROM cnt_events GROUP BY kid HAVING count(DISTINCT uid) > 1)
), numbered AS (
  SELECT *, row_number() OVER (PARTITION BY kid ORDER BY t, mid) AS rn FROM keyed
), reach AS (
  SELECT *, max(rn) OVER (PARTITION BY kid ORDER BY t RANGE BETWEEN CURRENT ROW AND $window FOLLOWING) AS last_rn
  FROM numbered
), offsets AS (
  SELECT kid, uid, mid{extra_plain}, unnest(range(rn + 1, last_rn + 1)) AS other FROM reach WHERE last_rn > rn
)
SELECT a.uid AS ua, a.mid AS ma, b.uid AS ub, b.mid AS mb{extra_pairs}
FROM offsets a JOIN numbered b ON a.kid = b.kid AND b.rn = a.other
WHERE a.uid <> b.uid
"""

# Directed weights from ordered message pairs: user_1's distinct messages matched by user_2, both directions.
_DIRECTED_SQL = """
SELECT u1, u2, count(*) AS weight FROM (
  SELECT DISTINCT u1, u2, m FROM (
    SELECT unnest([ua, ub]) AS u1, unnest([ub, ua]) AS u2, unnest([ma, mb]) AS m FROM {pairs})
  WHERE {eligible}
)
GROUP BY u1, u2 HAVING count(*) >= $min_weight
"""

_SELF_LOOPS_SQL = """
SELECT uid AS u1, uid AS u2, count(DISTINCT mid) AS weight FROM cnt_events
GROUP BY uid HAVING count(DISTINCT mid) >= $min_weight
"""


def _pairs_sql(extra: tuple[str, ...] = ()) -> str:
    return _PAIRS_SQL.format(
        extra_plain="".join(f", {c}" for c in extra),
        extra_pairs="".join(f", a.{c} AS {c}_a, b.{c} AS {c}_b" for c in extra),
    )


def _platform_filter(platform: str | None, alias: str = "") -> str:
    """The WHERE clause that selects the posts of the network."""
    return "true" if platform is None else f"{alias}platform = {sql_str(platform)}"


def _check_platform(con: duckdb.DuckDBPyConnection, platform: str | None) -> None:
    if platform is None:
        return
    platforms = [str(r[0]) for r in con.execute("SELECT DISTINCT platform FROM posts ORDER BY 1").fetchall()]
    if platform not in platforms:
        raise NetworkError(
            f"no posts of platform {platform!r} in the store (it has: {', '.join(platforms) or 'no posts'})"
        )


# The message fields each kind compares (the others are left null, not copied for nothing).
_TEXT_KINDS = ("co_tweet", "co_similar_tweet")
_URL_KINDS = ("co_link",)


def _compat_posts(
    con: duckdb.DuckDBPyConnection, store: EventStore | None, platform: str | None, run: NetworkRun, kind: str
) -> None:
    """Temp tables cnt_users (uid by user_id order) and cnt_posts (mid, uid, t in µs, repost_of, reply_to,
    text_cnt, urls_cnt, from_source), text_cnt and urls_cnt filled only for the kinds that compare them."""
    raw_fields = kind in _TEXT_KINDS + _URL_KINDS
    where = _platform_filter(platform)
    platforms = con.execute(f"SELECT DISTINCT platform FROM posts WHERE {where}").fetchall()
    if len(platforms) > 1:
        names = ", ".join(sorted(str(p[0]) for p in platforms))
        raise NetworkError(
            f"--compat cnt works on one platform's posts (CNT knows only user ids) and the store holds {names}: "
            "choose one with --platform"
        )
    sources = _usable_cnt_sources(con, store, where) if store is not None and raw_fields else []
    _load_originals(con, sources)
    text = (
        "CASE WHEN o.one_version THEN o.message ELSE coalesce(p.text, '') END"
        if kind in _TEXT_KINDS
        else "NULL::VARCHAR"
    )
    urls = (
        "CASE WHEN o.one_version THEN list_filter(string_split(o.urls, ' '), lambda u: u <> '') "
        "ELSE list_filter(coalesce(p.urls_original, []), lambda u: u <> '') END"
        if kind in _URL_KINDS
        else "NULL::VARCHAR[]"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cnt_users AS
        SELECT row_number() OVER (ORDER BY user_id) AS uid, user_id
        FROM (SELECT DISTINCT account_id AS user_id FROM posts WHERE {where});
        CREATE OR REPLACE TEMP TABLE cnt_posts AS
        SELECT row_number() OVER () AS mid, u.uid, epoch_us(p.created_at) AS t, p.repost_of, p.reply_to,
          o.one_version AS from_source, {text} AS text_cnt, {urls} AS urls_cnt
        FROM posts p JOIN cnt_users u ON u.user_id = p.account_id
        LEFT JOIN cnt_originals o USING (source_file, post_id)
        WHERE {_platform_filter(platform, "p.")};
        """
    )
    counts = con.execute("SELECT count(*), count(*) FILTER (WHERE from_source) FROM cnt_posts").fetchall()[0]
    run.posts, from_source = int(counts[0]), int(counts[1])
    if raw_fields:
        run.fields_from_source = int(from_source)
        run.fields_from_store = run.posts - run.fields_from_source
        if run.fields_from_store:
            run.notes.append(
                f"{run.fields_from_store:,} of {run.posts:,} posts use the store's NFKC-normalised text and cleaned "
                "URLs (their CNT CSV is gone, changed, or not a CNT CSV): matches that differ only in full-width "
                "or compatibility characters may differ from CNT's"
            )


def _compat_key_events(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Temp table cnt_events (mid, uid, t, kid): one row per message and key it can match on."""
    if kind == "co_tweet":
        _register_cnt_text(con)  # the one kind that compares CNT's preprocessed text
        con.execute(
            "CREATE OR REPLACE TEMP TABLE cnt_text_keys AS SELECT text_cnt, cnt_text(text_cnt) AS key "
            "FROM (SELECT DISTINCT text_cnt FROM cnt_posts WHERE repost_of IS NULL)"
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cnt_raw_events AS {_CNT_KEYS[kind]};
        CREATE OR REPLACE TEMP TABLE cnt_events AS
        SELECT e.mid, e.uid, e.t, k.kid FROM cnt_raw_events e
        JOIN (SELECT key, row_number() OVER () AS kid FROM (SELECT DISTINCT key FROM cnt_raw_events)) k USING (key);
        DROP TABLE cnt_raw_events;
        """
    )


def _compat_similar_events(con: duckdb.DuckDBPyConnection, params: NetworkParams, run: NetworkRun) -> None:
    """Temp tables cnt_events (one row per message and prefix token) and cnt_similar_pairs (verified pairs)."""
    threshold = params.similarity_threshold or CNT_SIMILARITY_THRESHOLD
    sql_params = {"window": _window_us(params.window), "threshold": threshold, "min_tokens": int(params.min_tokens)}
    texts = (
        con.sql("SELECT DISTINCT text_cnt FROM cnt_posts WHERE repost_of IS NULL")
        .to_arrow_table()
        .column(0)
        .combine_chunks()
    )
    workers = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    try:
        tokens = cnt_joined_tokens(texts, workers)
    except RegexMissingError as exc:
        raise NetworkError(str(exc)) from None
    con.register("_sim_text", pa.table({"text_cnt": texts, "tokens": tokens}))
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE sim_text AS "
            "SELECT text_cnt, list_sort(list_distinct(list_filter(string_split(tokens, $separator), "
            "lambda t: t <> ''))) AS tokens FROM _sim_text",
            {"separator": TOKEN_SEPARATOR},
        )
    finally:
        con.unregister("_sim_text")
    del texts, tokens
    for statement in (
        """CREATE OR REPLACE TEMP TABLE sim_sets AS
        SELECT tokens, row_number() OVER () AS sid, len(tokens) AS n
        FROM (SELECT DISTINCT tokens FROM sim_text WHERE len(tokens) >= $min_tokens)""",
        """CREATE OR REPLACE TEMP TABLE sim_messages AS
        SELECT p.mid, p.uid, p.t, s.sid
        FROM cnt_posts p JOIN sim_text USING (text_cnt) JOIN sim_sets s USING (tokens)
        WHERE p.repost_of IS NULL""",
        # Rarest tokens first (counted in messages), so prefixes hold rare tokens and propose few pairs.
        """CREATE OR REPLACE TEMP TABLE sim_token_rank AS
        SELECT tok, row_number() OVER (ORDER BY messages, tok) AS tid FROM (
          SELECT tok, sum(m) AS messages FROM (
            SELECT unnest(s.tokens) AS tok, c.m FROM sim_sets s
            JOIN (SELECT sid, count(*) AS m FROM sim_messages GROUP BY sid) c USING (sid))
          GROUP BY tok)""",
        # The first n - ceil(t * n) + 1 tokens; the epsilon can only lengthen a prefix (more candidates, not fewer).
        """CREATE OR REPLACE TEMP TABLE sim_prefix AS
        SELECT sid, tid FROM (
          SELECT sid, n, tid, row_number() OVER (PARTITION BY sid ORDER BY tid) AS pos
          FROM (SELECT sid, n, unnest(tokens) AS tok FROM sim_sets) JOIN sim_token_rank USING (tok))
        WHERE pos <= n - ceil($threshold * n - 1e-9) + 1""",
        """CREATE OR REPLACE TEMP TABLE cnt_events AS
        SELECT m.mid, m.uid, m.t, m.sid, p.tid AS kid FROM sim_messages m JOIN sim_prefix p USING (sid)""",
        f"""CREATE OR REPLACE TEMP TABLE sim_candidates AS
        SELECT DISTINCT ua, ma, ub, mb, sid_a, sid_b FROM ({_pairs_sql(("sid",))})""",
        # Jaccard >= t needs the smaller set to hold at least t of the larger (a cheap filter), then the exact
        # Jaccard as CNT computes it: |a & b| / |a | b| in double precision.
        """CREATE OR REPLACE TEMP TABLE sim_verified AS
        SELECT sa, sb FROM (
          SELECT c.sa, c.sb, x.n AS nx, y.n AS ny,
            CASE WHEN c.sa = c.sb THEN x.n ELSE len(list_intersect(x.tokens, y.tokens)) END AS overlap
          FROM (SELECT DISTINCT least(sid_a, sid_b) AS sa, greatest(sid_a, sid_b) AS sb FROM sim_candidates) c
          JOIN sim_sets x ON x.sid = c.sa JOIN sim_sets y ON y.sid = c.sb
          WHERE least(x.n, y.n) >= $threshold * greatest(x.n, y.n) - 1e-9)
        WHERE overlap::DOUBLE / (nx + ny - overlap)::DOUBLE >= $threshold""",
        """CREATE OR REPLACE TEMP TABLE cnt_similar_pairs AS
        SELECT ua, ma, ub, mb FROM sim_candidates c
        SEMI JOIN sim_verified v ON v.sa = least(c.sid_a, c.sid_b) AND v.sb = greatest(c.sid_a, c.sid_b)""",
    ):
        _exec(con, statement, sql_params)
    run.candidate_pairs = int(con.execute("SELECT count(*) FROM sim_candidates").fetchall()[0][0])
    for table in ("sim_candidates", "sim_verified", "sim_text", "sim_messages", "sim_prefix", "sim_token_rank"):
        con.execute(f"DROP TABLE {table}")


def _window_us(window: float) -> int:
    return round(window * 1_000_000)


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> None:
    """One statement, given only the named parameters it uses (DuckDB rejects unused ones)."""
    used = {k: v for k, v in (params or {}).items() if re.search(rf"\${k}\b", sql)}
    con.execute(sql, used or None)


def _compute_compat(
    con: duckdb.DuckDBPyConnection, store: EventStore | None, params: NetworkParams, run: NetworkRun
) -> None:
    kind = params.kind
    _compat_posts(con, store, params.platform, run, kind)
    sql_params: dict[str, Any] = {"window": _window_us(params.window), "min_weight": int(params.min_weight)}
    if kind == "co_similar_tweet":
        _compat_similar_events(con, params, run)
        pairs = "cnt_similar_pairs"
    else:
        _compat_key_events(con, kind)
        pairs = f"({_pairs_sql()})"
    run.events = int(con.execute("SELECT count(*) FROM cnt_events").fetchall()[0][0])
    # A user with fewer matching messages than the minimum weight cannot be the source of an edge.
    eligible = (
        "true"
        if params.min_weight <= 1
        else "u1 IN (SELECT uid FROM cnt_events GROUP BY uid HAVING count(DISTINCT mid) >= $min_weight)"
    )
    directed = _DIRECTED_SQL.format(pairs=pairs, eligible=eligible)
    if params.self_loops:
        directed += f" UNION ALL {_SELF_LOOPS_SQL}"
    _exec(
        con,
        f"""
        CREATE OR REPLACE TEMP TABLE {NETWORK_TABLE} AS
        SELECT a.user_id AS source, b.user_id AS target, d.weight, {sql_str(kind)} AS edge_type
        FROM ({directed}) d JOIN cnt_users a ON a.uid = d.u1 JOIN cnt_users b ON b.uid = d.u2
        ORDER BY source, target
        """,
        sql_params,
    )


# --- default: floodwatch's undirected co-action pairs ---------------------------------------------------------


def _compute_floodwatch(
    con: duckdb.DuckDBPyConnection,
    params: NetworkParams,
    where: str,
    run: NetworkRun,
    engine: CoactionEngine,
    events: EventBuilder | None,
) -> None:
    prepare_posts(con, where)
    kind = FLOODWATCH_KINDS[params.kind]
    # Events and pairs stay in DuckDB tables (the DuckDB engine pairs in place; see engines/base.py).
    if kind == "post":
        con.execute(
            "CREATE OR REPLACE TABLE _network_events AS SELECT aid, 'post' AS kind, '' AS key, t, pid FROM post_ref"
        )
    else:
        event_params = params.events
        if kind == "similar_text" and params.similarity_threshold is not None:
            event_params = replace(
                event_params, neardup=replace(event_params.neardup, threshold=params.similarity_threshold)
            )
        (events or IN_DUCKDB).events_into(con, replace(event_params, kinds=(kind,)), "_network_events")
    run.posts = int(con.execute("SELECT count(*) FROM post_ref").fetchall()[0][0])
    run.events = int(con.execute("SELECT count(*) FROM _network_events").fetchall()[0][0])
    con.execute("DROP TABLE IF EXISTS _network_key_pairs")
    pair_params = PairParams(params.window, params.max_neighbours)
    run.capped_events, run.capped_keys = engine.key_pairs_into(
        con, "SELECT * FROM _network_events", pair_params, "_network_key_pairs"
    )
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {NETWORK_TABLE} AS
            WITH moments AS ({moments_sql("_network_key_pairs")}), pairs AS (
              SELECT aid_a, aid_b, any_value(m.moments) AS weight, sum(co_actions) AS co_actions, count(*) AS keys,
                min(first_t) AS first_t, max(last_t) AS last_t
              FROM _network_key_pairs JOIN moments m USING (aid_a, aid_b) GROUP BY aid_a, aid_b
            )
            SELECT a.platform AS platform_a, a.account_id AS account_a, b.platform AS platform_b,
              b.account_id AS account_b, p.weight, {sql_str(kind)} AS kinds, p.co_actions, p.keys,
              to_timestamp(p.first_t) AS first_at, to_timestamp(p.last_t) AS last_at
            FROM pairs p JOIN acct a ON a.aid = p.aid_a JOIN acct b ON b.aid = p.aid_b
            WHERE p.weight >= $min_weight
            ORDER BY platform_a, account_a, platform_b, account_b
            """,
            {"min_weight": int(params.min_weight)},
        )
    finally:
        con.execute("DROP TABLE IF EXISTS _network_key_pairs")
        con.execute("DROP TABLE IF EXISTS _network_events")


def compute_network(
    con: duckdb.DuckDBPyConnection,
    params: NetworkParams,
    store: EventStore | None = None,
    engine: CoactionEngine | None = None,
    events: EventBuilder | None = None,
) -> NetworkRun:
    """The network of `params.kind` from the `posts` view of `con` into the temp table `network_edges`.

    `store` (the store behind `con`) lets compat mode read raw CNT fields back from the ingested files; `engine`
    pairs the default mode's events (DuckDB on `con` if not given; compat mode always runs in DuckDB), which
    `events` builds (Spark: of the posts of `params.platform`), or DuckDB on `con` if not given."""
    params.validate()
    run = NetworkRun(params)
    _check_platform(con, params.platform)
    if params.compat == "cnt":
        _compute_compat(con, store, params, run)
    else:
        where = _platform_filter(params.platform)
        _compute_floodwatch(con, params, where, run, engine or DuckDBEngine(con), events)
    run.edges = int(con.execute(f"SELECT count(*) FROM {NETWORK_TABLE}").fetchall()[0][0])
    if run.capped_events:
        run.notes.append(
            f"{run.capped_events:,} events on {run.capped_keys:,} hot keys were paired with their "
            f"{params.max_neighbours} nearest later events only (--compat cnt has no such cap)"
        )
    return run


def network_edges(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The computed edges as one Arrow table, in output order (for tests and small networks)."""
    return con.sql(f"SELECT * FROM {NETWORK_TABLE}").to_arrow_table()


# --- writing ----------------------------------------------------------------------------------------------------


def write_network(con: duckdb.DuckDBPyConnection, run: NetworkRun, path: Path, fmt: str) -> Path:
    """Write the edges of `run` as csv, parquet, graphml or gexf.

    Compat CSV is byte-compatible with CNT's `export_network --output_format csv` (every field quoted, CRLF line
    ends, rows by source then target) and streamed in batches. GraphML and GEXF hold the whole graph in memory,
    as CNT's GraphML export does; compat graphs are directed."""
    if fmt not in GRAPH_FORMATS:
        raise NetworkError(f"unknown graph format {fmt!r}; choose one of {', '.join(GRAPH_FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    query = f"SELECT * FROM {NETWORK_TABLE} ORDER BY ALL"
    if fmt == "parquet":
        con.execute(f"COPY ({query}) TO {sql_str(str(path))} (FORMAT parquet)")
    elif run.params.compat and fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            writer.writerow(CNT_COLUMNS)
            reader = con.sql(query).to_arrow_reader(100_000)
            for batch in reader:
                writer.writerows(zip(*(batch.column(i).to_pylist() for i in range(batch.num_columns)), strict=True))
    elif run.params.compat:
        edges = con.sql(query).to_arrow_table()
        (_write_directed_graphml if fmt == "graphml" else _write_directed_gexf)(edges, path)
    else:
        write_graph(con.sql(query).to_arrow_table(), path, fmt)
    return path


def _directed_graph(edges: pa.Table) -> tuple[list[str], list[tuple[int, int]]]:
    users = sorted(set(edges.column("source").to_pylist()) | set(edges.column("target").to_pylist()))
    index = {u: i for i, u in enumerate(users)}
    pairs = [
        (index[s], index[t])
        for s, t in zip(edges.column("source").to_pylist(), edges.column("target").to_pylist(), strict=True)
    ]
    return users, pairs


def _write_directed_graphml(edges: pa.Table, path: Path) -> None:
    import igraph as ig

    users, pairs = _directed_graph(edges)
    graph = ig.Graph(n=len(users), edges=pairs, directed=True)
    graph.vs["name"] = users
    graph.es["weight"] = [float(w) for w in edges.column("weight").to_pylist()]
    graph.es["edge_type"] = edges.column("edge_type").to_pylist()
    graph.write_graphml(str(path))


def _write_directed_gexf(edges: pa.Table, path: Path) -> None:
    users, pairs = _directed_graph(edges)
    root = ET.Element("gexf", {"xmlns": "http://gexf.net/1.3", "version": "1.3"})
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static"})
    attrs = ET.SubElement(graph, "attributes", {"class": "edge"})
    ET.SubElement(attrs, "attribute", {"id": "0", "title": "edge_type", "type": "string"})
    nodes = ET.SubElement(graph, "nodes")
    for user in users:
        ET.SubElement(nodes, "node", {"id": user, "label": user})
    xml_edges = ET.SubElement(graph, "edges")
    weights = edges.column("weight").to_pylist()
    types = edges.column("edge_type").to_pylist()
    for i, ((s, t), w, kind) in enumerate(zip(pairs, weights, types, strict=True)):
        edge = ET.SubElement(
            xml_edges, "edge", {"id": str(i), "source": users[s], "target": users[t], "weight": repr(float(w))}
        )
        values = ET.SubElement(edge, "attvalues")
        ET.SubElement(values, "attvalue", {"for": "0", "value": str(kind)})
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
