"""Posts -> co-action events: which account touched which key when.

Kinds and keys (docs/coordination.md explains each):

| kind         | key                                         | from                      |
|--------------|---------------------------------------------|---------------------------|
| same_text    | hash of the normalised text                 | original posts            |
| similar_text | near-duplicate cluster of the text          | original posts            |
| url          | normalised URL                              | original posts            |
| domain       | host without `www.`                         | original posts            |
| contact      | contact handle, phone, invite code (diversion.py) | original posts      |
| repost       | platform + reposted post id                 | reposts                   |
| reply        | platform + replied-to post id               | replies                   |
| hashtag      | lower-cased hashtag (across platforms)      | every post                |
| mention      | platform + lower-cased mentioned account    | every post                |

Text and links count only on original posts: a repost copies its original's text and links, so counting them
would turn every repost into a second, weaker copy of the `repost` event.
Texts shorter than `min_text_chars` after normalisation ("ok", "转发微博") are not evidence of anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import duckdb
import numpy as np
import pyarrow as pa

from floodwatch import duck
from floodwatch.detect import neardup
from floodwatch.detect.diversion import destinations_sql
from floodwatch.engines.base import EVENT_SCHEMA
from floodwatch.ingest.normalize import MENTION, URL_PATTERN, sql_str

KINDS = ("same_text", "similar_text", "url", "domain", "contact", "repost", "reply", "hashtag", "mention")


EVENT_COLUMNS_SQL = "aid BIGINT, kind VARCHAR, key VARCHAR, t DOUBLE, pid BIGINT"  # EVENT_SCHEMA in DuckDB


@dataclass(frozen=True)
class EventParams:
    kinds: tuple[str, ...] = KINDS
    min_text_chars: int = 12
    neardup: neardup.NearDupParams = field(default_factory=lambda: neardup.NearDupParams())

    def __post_init__(self) -> None:
        unknown = sorted(set(self.kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown co-action kinds {unknown}; choose from {', '.join(KINDS)}")


def prepare_posts(con: duckdb.DuckDBPyConnection, where: str = "true") -> None:
    """Number accounts (`acct`) and posts (`post_ref`) so events carry small integer ids."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE post_ref AS
        SELECT row_number() OVER (ORDER BY platform, post_id) - 1 AS pid, *, epoch(created_at) AS t
        FROM posts WHERE {where};
        CREATE OR REPLACE TABLE acct AS
        SELECT row_number() OVER (ORDER BY platform, account_id) - 1 AS aid, platform, account_id
        FROM (SELECT DISTINCT platform, account_id FROM post_ref);
        CREATE OR REPLACE TABLE post_ref AS
        SELECT p.*, a.aid FROM post_ref p JOIN acct a USING (platform, account_id);
        """
    )


# Each original post's text as compared for same_text and similar_text (lower case, without links and
# @mentions, whitespace collapsed), when long enough to be evidence (parameter $min_chars). The link and mention
# regexes run only on texts that hold what every match contains ("://" or "www." after lower(), "@"): most texts
# have neither, and a `contains` costs far less than the regex.
TEXT_NORMS_SQL = f"""
    SELECT aid, t, pid, norm FROM (
      SELECT aid, t, pid, trim(regexp_replace(
          CASE WHEN contains(linkless, '@') THEN regexp_replace(linkless, {sql_str(MENTION)}, ' ', 'g')
               ELSE linkless END, '\\s+', ' ', 'g')) AS norm
      FROM (
        SELECT aid, t, pid,
          CASE WHEN contains(lowered, '://') OR contains(lowered, 'www.')
               THEN regexp_replace(lowered, {sql_str(URL_PATTERN)}, ' ', 'g') ELSE lowered END AS linkless
        FROM (SELECT aid, t, pid, lower(coalesce(text, '')) AS lowered FROM post_ref WHERE repost_of IS NULL)))
    WHERE length(norm) >= $min_chars"""

# same_text over any table or query of text norms (TEXT_NORMS_SQL's columns).
_SAME_TEXT = "SELECT aid, 'same_text' AS kind, md5(norm) AS key, t, pid FROM {norms}"

_EVENT_SQL = {
    "same_text": _SAME_TEXT.format(norms=f"({TEXT_NORMS_SQL})"),
    "url": """
        SELECT aid, 'url' AS kind, u AS key, t, pid FROM (
          SELECT aid, t, pid, unnest(list_distinct(urls)) AS u FROM post_ref WHERE repost_of IS NULL)""",
    "domain": """
        SELECT aid, 'domain' AS kind, d AS key, t, pid FROM (
          SELECT aid, t, pid, unnest(list_distinct(list_transform(urls,
            lambda u: regexp_replace(regexp_extract(u, '^[a-z0-9+.-]+://([^/:?#]+)', 1), '^www\\.', '')))) AS d
          FROM post_ref WHERE repost_of IS NULL)
        WHERE d <> ''""",
    "contact": f"""
        SELECT aid, 'contact' AS kind, d AS key, t, pid FROM (
          SELECT aid, t, pid, unnest({destinations_sql("text")}) AS d FROM post_ref WHERE repost_of IS NULL)""",
    "repost": """
        SELECT aid, 'repost' AS kind, platform || ':' || repost_of AS key, t, pid FROM post_ref
        WHERE repost_of IS NOT NULL""",
    "reply": """
        SELECT aid, 'reply' AS kind, platform || ':' || reply_to AS key, t, pid FROM post_ref
        WHERE reply_to IS NOT NULL""",
    "hashtag": """
        SELECT aid, 'hashtag' AS kind, h AS key, t, pid FROM (
          SELECT aid, t, pid, unnest(list_distinct(list_transform(hashtags, lambda h: lower(h)))) AS h
          FROM post_ref)""",
    "mention": """
        SELECT aid, 'mention' AS kind, platform || ':' || m AS key, t, pid FROM (
          SELECT aid, t, pid, platform, unnest(list_distinct(list_transform(mentions, lambda m: lower(m)))) AS m
          FROM post_ref)""",
}


# Every kind but similar_text is a function of one post alone: its SQL runs on any slice of `post_ref` (Spark
# runs it per partition, engines/spark_events.py); similar_text needs all the texts at once.
ROW_KINDS = tuple(kind for kind in KINDS if kind != "similar_text")


def row_events_query(kind: str, params: EventParams) -> tuple[str, dict[str, int] | None]:
    """The query of a ROW_KINDS kind's events over table `post_ref`, and its parameters."""
    return _EVENT_SQL[kind], ({"min_chars": params.min_text_chars} if kind == "same_text" else None)


def _similar_text_events(con: duckdb.DuckDBPyConnection, params: EventParams) -> str:
    """Near-duplicate clusters over the distinct texts of table `text_norms` (registered as `text_clusters`);
    the query that gives each post its text's cluster."""
    texts = con.sql("SELECT DISTINCT norm FROM text_norms ORDER BY norm").to_arrow_table()
    column = texts.column("norm").combine_chunks() if texts.num_rows else pa.array([], type=pa.string())
    del texts
    with duck.memory_lent(con):
        clusters = neardup.near_duplicate_clusters(column, params.neardup)
    con.register("text_clusters", pa.table({"norm": column, "cluster": pa.array(clusters.astype(np.int64))}))
    return """
        SELECT aid, 'similar_text' AS kind, 'n' || cluster::VARCHAR AS key, t, pid
        FROM text_norms JOIN text_clusters USING (norm) WHERE cluster >= 0
        """


def create_events_table(con: duckdb.DuckDBPyConnection, params: EventParams, table: str = "events") -> None:
    """Events of the chosen kinds from `post_ref` (see prepare_posts) into DuckDB table `table` (EVENT_SCHEMA
    columns), kind by kind: they stay in DuckDB, within its memory limit, never all in Python."""
    con.execute(f"CREATE OR REPLACE TABLE {table} ({EVENT_COLUMNS_SQL})")
    text_kinds = bool({"same_text", "similar_text"} & set(params.kinds))
    if text_kinds:
        # Both text kinds read the normalised texts: computed once (the regexes are most of their cost).
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE text_norms AS {TEXT_NORMS_SQL}", {"min_chars": params.min_text_chars}
        )
    try:
        for kind in params.kinds:
            sql_params: dict[str, int] | None = None
            if kind == "same_text":
                query = _SAME_TEXT.format(norms="text_norms")
            elif kind == "similar_text":
                query = _similar_text_events(con, params)
            else:
                query, sql_params = row_events_query(kind, params)
            try:
                con.execute(f"INSERT INTO {table} SELECT aid, kind, key, t, pid FROM ({query})", sql_params)
            finally:
                if kind == "similar_text":
                    con.unregister("text_clusters")
    finally:
        if text_kinds:  # only the table made here: a caller's own `text_norms` is not ours to drop
            con.execute("DROP TABLE IF EXISTS text_norms")


class EventBuilder(Protocol):
    """Builds the events somewhere else than in the connection (engines/spark_events.py: on Spark, from the
    store's Parquet), into table `table` of `con`; the same rows as `create_events_table`, whose numbering
    (`post_ref`, `acct`) must already exist in `con`."""

    def events_into(self, con: duckdb.DuckDBPyConnection, params: EventParams, table: str) -> None: ...


class DuckDBEvents:
    """The default EventBuilder: `create_events_table` in the connection itself."""

    def events_into(self, con: duckdb.DuckDBPyConnection, params: EventParams, table: str) -> None:
        create_events_table(con, params, table)


IN_DUCKDB = DuckDBEvents()


def build_events(con: duckdb.DuckDBPyConnection, params: EventParams) -> pa.Table:
    """The events of `create_events_table` as an Arrow table, for callers that hand them to an engine."""
    create_events_table(con, params, "_built_events")
    try:
        return con.sql("SELECT * FROM _built_events").to_arrow_table().cast(EVENT_SCHEMA)
    finally:
        con.execute("DROP TABLE _built_events")
