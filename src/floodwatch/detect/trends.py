"""Hot spots: bursts of a hashtag, a URL or a caller's topic, and whether the burst was manufactured.

**Bursts.** Posts per key (hashtag, normalised URL, or a topic from a caller's table: claim id, topic cluster) are
counted per time bin (default one hour) on each platform. A bin is *high* when it holds at least `min_bin_posts`
posts and its robust z-score against the key's own trailing baseline (median and MAD of the previous
`baseline_bins` bins, zeros included) is at least `z_threshold`:

    z = (count - median) / max(1.4826 * MAD, sqrt(max(median, 1)))

The square-root floor is the Poisson noise of a count: a tag that usually sees 0-1 posts an hour has MAD 0, and
without the floor any post at all would be infinitely surprising. A burst is a run of consecutive high bins.
Why this and not Kleinberg's automaton: the figure is explainable to an analyst in one sentence ("40 posts this
hour against a typical 2"), each bin depends only on its past (so it works on a live stream), and it is a window
function in DuckDB, so millions of posts never leave SQL. Kleinberg's states need a dynamic programme per key in
Python and a cost parameter whose meaning is hard to state.

**Manufactured or organic.** A trend is flagged for *who* carries it and *how*, never for its topic. For each burst:
the share of its posts from accounts in coordinated clusters (the coordination detector's `accounts` output), from
new accounts (registered within `new_account_days` before the burst), and from accounts with no post in the store
before the burst (counted only when the store covers at least `history_days` before it). A burst is a
`manufactured_trend` when posts from any of those accounts make up at least `suspect_share` (default: half) of its
volume, with at least `min_burst_posts` posts from `min_burst_accounts` accounts. An organic burst — many unrelated,
older accounts with a past — is not flagged however sudden it is. The finding also says how concentrated the
burst is (top-10 accounts' share, Gini of posts per account) and how synchronised (the busiest ten minutes' share).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from floodwatch.schema import Finding, Subject

DETECTOR = "floodwatch.trends"
VERSION = "1"
KEY_KINDS = ("hashtag", "url", "topic")
TOPICS_SCHEMA = pa.schema([("platform", pa.string()), ("post_id", pa.string()), ("topic", pa.string())])
COORDINATED_SCHEMA = pa.schema([("platform", pa.string()), ("account_id", pa.string()), ("cluster_id", pa.string())])
StepCallback = Callable[[str], None]


def _quiet(message: str) -> None:
    del message


@dataclass(frozen=True)
class TrendParams:
    bin_seconds: int = 3600
    baseline_bins: int = 72  # three days of hourly bins: covers the daily rhythm
    min_baseline_bins: int = 24  # bins of store history a bin needs before it can be high
    z_threshold: float = 4.0
    min_bin_posts: int = 8
    kinds: tuple[str, ...] = ("hashtag", "url")  # "topic" is added when a topics table is given
    # What makes a burst manufactured.
    new_account_days: float = 30.0
    history_days: float = 7.0
    suspect_share: float = 0.5
    min_burst_posts: int = 10
    min_burst_accounts: int = 3
    sync_window_seconds: int = 600
    top_accounts: int = 10

    def __post_init__(self) -> None:
        unknown = sorted(set(self.kinds) - set(KEY_KINDS))
        if unknown:
            raise ValueError(f"unknown key kinds {unknown}; choose from {KEY_KINDS}")
        if self.bin_seconds < 1 or self.baseline_bins < 1 or self.min_bin_posts < 1:
            raise ValueError("bin_seconds, baseline_bins and min_bin_posts must be at least 1")
        if not 0.0 < self.suspect_share <= 1.0:
            raise ValueError("suspect_share must be within (0, 1]")

    def parameters(self) -> dict[str, Any]:
        values = asdict(self)
        values["kinds"] = list(self.kinds)
        return values


@dataclass
class TrendResult:
    bursts: pa.Table  # one row per burst, manufactured or not, with its figures
    findings: list[Finding]  # one `manufactured_trend` per flagged burst


def _register(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table | None, schema: pa.Schema) -> None:
    """Register the caller's table under `name` with exactly `schema`'s columns (empty when none is given)."""
    if table is None:
        con.register(name, schema.empty_table())
        return
    missing = set(schema.names) - set(table.column_names)
    if missing:
        raise ValueError(f"table for {name} lacks columns {sorted(missing)}")
    con.register(name, pa.table({n: table.column(n).cast(pa.string()) for n in schema.names}, schema=schema))


def _key_posts_sql(kinds: tuple[str, ...]) -> str:
    parts = []
    if "hashtag" in kinds:
        # Tags are case-insensitive on every platform floodwatch reads.
        parts.append(
            "SELECT platform, 'hashtag' AS kind, lower(k) AS key, post_id, account_id, created_at "
            "FROM (SELECT platform, post_id, account_id, created_at, unnest(hashtags) AS k FROM posts) WHERE k <> ''"
        )
    if "url" in kinds:
        parts.append(
            "SELECT platform, 'url' AS kind, k AS key, post_id, account_id, created_at "
            "FROM (SELECT platform, post_id, account_id, created_at, unnest(urls) AS k FROM posts) WHERE k <> ''"
        )
    if "topic" in kinds:
        parts.append(
            "SELECT p.platform, 'topic' AS kind, t.topic AS key, p.post_id, p.account_id, p.created_at "
            "FROM posts p JOIN _trend_topics t USING (platform, post_id) WHERE t.topic IS NOT NULL"
        )
    return " UNION ALL ".join(parts)


def find_bursts(con: duckdb.DuckDBPyConnection, params: TrendParams, step: StepCallback = _quiet) -> int:
    """Bursts into temp table `trend_bursts` (and their posts into `trend_burst_posts`); returns how many.

    Needs `_trend_topics` registered when `params.kinds` has "topic"."""
    b = int(params.bin_seconds)
    step("counting posts per key and time bin")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE trend_key_posts AS
        SELECT DISTINCT platform, kind, key, post_id, account_id, created_at,
          floor(epoch(created_at) / {b})::BIGINT AS bin
        FROM ({_key_posts_sql(params.kinds)});
        CREATE OR REPLACE TEMP TABLE _trend_counts AS
        SELECT platform, kind, key, bin, count(*) AS n FROM trend_key_posts GROUP BY ALL;
        CREATE OR REPLACE TEMP TABLE _trend_coverage AS
        SELECT platform, floor(epoch(min(created_at)) / {b})::BIGINT AS first_bin, min(created_at) AS first_at
        FROM posts GROUP BY platform;
        """
    )
    # Only bins that could be high need a baseline: fill in zeros for the bins before each of them, so that the
    # trailing window sees quiet hours as zeros, without materialising every key's whole time line.
    step("scoring bins against their trailing baseline")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _trend_scored AS
        WITH candidates AS (
          SELECT platform, kind, key, bin FROM _trend_counts WHERE n >= {int(params.min_bin_posts)}
        ), span AS (
          SELECT DISTINCT c.platform, c.kind, c.key,
            unnest(range(greatest(c.bin - {int(params.baseline_bins)}, v.first_bin), c.bin + 1)) AS bin
          FROM candidates c JOIN _trend_coverage v USING (platform)
        ), dense AS (
          SELECT s.platform, s.kind, s.key, s.bin, coalesce(t.n, 0) AS n
          FROM span s LEFT JOIN _trend_counts t USING (platform, kind, key, bin)
        ), windowed AS (
          SELECT *, median(n) OVER w AS base_median, mad(n) OVER w AS base_mad
          FROM dense
          WINDOW w AS (PARTITION BY platform, kind, key ORDER BY bin
            RANGE BETWEEN {int(params.baseline_bins)} PRECEDING AND 1 PRECEDING)
        )
        SELECT w.*, (w.n - coalesce(w.base_median, 0)) / greatest(1.4826 * coalesce(w.base_mad, 0),
            sqrt(greatest(coalesce(w.base_median, 0), 1))) AS z
        FROM windowed w JOIN _trend_coverage v USING (platform)
        WHERE w.n >= {int(params.min_bin_posts)} AND w.bin - v.first_bin >= {int(params.min_baseline_bins)}
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE trend_bursts AS
        WITH high AS (
          SELECT *, bin - row_number() OVER (PARTITION BY platform, kind, key ORDER BY bin) AS run
          FROM _trend_scored WHERE z >= {float(params.z_threshold)}
        )
        SELECT row_number() OVER (ORDER BY min(bin), platform, kind, key) AS burst_id,
          platform, kind, key, min(bin) AS first_bin, max(bin) AS last_bin,
          to_timestamp(min(bin) * {b}) AS start_at, to_timestamp((max(bin) + 1) * {b}) AS end_at,
          max(z) AS peak_z, max(n) AS peak_posts, arg_max(base_median, z) AS baseline_median
        FROM high GROUP BY platform, kind, key, run;
        CREATE OR REPLACE TEMP TABLE trend_burst_posts AS
        SELECT b.burst_id, k.platform, k.post_id, k.account_id, k.created_at
        FROM trend_bursts b JOIN trend_key_posts k
          ON k.platform = b.platform AND k.kind = b.kind AND k.key = b.key AND k.bin BETWEEN b.first_bin AND b.last_bin;
        DROP TABLE _trend_counts; DROP TABLE _trend_scored;
        """
    )
    bursts: int = con.execute("SELECT count(*) FROM trend_bursts").fetchall()[0][0]
    return bursts


_BURST_FIGURES = """
CREATE OR REPLACE TEMP TABLE trend_burst_accounts AS
WITH burst_accounts AS (
  SELECT burst_id, platform, account_id, count(*) AS posts, min(created_at) AS first_post
  FROM trend_burst_posts GROUP BY ALL
), first_seen AS (
  -- each account's first post anywhere in the store on its platform
  SELECT p.platform, p.account_id, min(p.created_at) AS first_seen
  FROM posts p SEMI JOIN (SELECT DISTINCT platform, account_id FROM burst_accounts) a USING (platform, account_id)
  GROUP BY ALL
)
SELECT a.burst_id, a.platform, a.account_id, a.posts, c.cluster_id, acc.created_at AS registered_at,
  acc.followers, coalesce(acc.verified, false) AS verified,
  c.cluster_id IS NOT NULL AS coordinated,
  coalesce(acc.created_at >= b.start_at - INTERVAL ({new_days}) DAY, false) AS new_account,
  b.start_at - v.first_at >= INTERVAL ({history_days}) DAY AS history_known,
  f.first_seen >= b.start_at AS no_history
FROM burst_accounts a
JOIN trend_bursts b USING (burst_id)
JOIN _trend_coverage v ON v.platform = a.platform
JOIN first_seen f ON f.platform = a.platform AND f.account_id = a.account_id
LEFT JOIN (SELECT platform, account_id, min(cluster_id) AS cluster_id FROM _trend_coordinated GROUP BY ALL) c
  ON c.platform = a.platform AND c.account_id = a.account_id
LEFT JOIN accounts acc ON acc.platform = a.platform AND acc.account_id = a.account_id;

WITH acct AS (
  SELECT *, (coordinated OR new_account OR (history_known AND no_history)) AS suspect,
    row_number() OVER (PARTITION BY burst_id ORDER BY posts DESC, platform, account_id) AS rank_desc,
    row_number() OVER (PARTITION BY burst_id ORDER BY posts, platform, account_id) AS rank_asc
  FROM trend_burst_accounts
), per_burst AS (
  SELECT burst_id, sum(posts)::BIGINT AS volume, count(*) AS accounts,
    sum(posts) FILTER (WHERE coordinated) AS coordinated_posts,
    sum(posts) FILTER (WHERE new_account) AS new_account_posts,
    sum(posts) FILTER (WHERE no_history) AS no_history_posts,
    sum(posts) FILTER (WHERE suspect) AS suspect_posts,
    count(*) FILTER (WHERE coordinated) AS coordinated_accounts,
    count(*) FILTER (WHERE new_account) AS new_accounts,
    count(*) FILTER (WHERE no_history) AS no_history_accounts,
    count(*) FILTER (WHERE suspect) AS suspect_accounts,
    count(*) FILTER (WHERE registered_at IS NULL) AS accounts_unknown_age,
    bool_and(history_known) AS history_known,
    sum(posts) FILTER (WHERE rank_desc <= {top}) AS top_posts,
    -- Gini of posts per account, from the ascending ranks: 0 when every account posts alike
    2.0 * sum(rank_asc * posts) / (count(*) * sum(posts)) - (count(*) + 1.0) / count(*) AS gini,
    count(DISTINCT cluster_id) AS clusters
  FROM acct GROUP BY burst_id
), sync AS (
  SELECT burst_id, max(in_window) AS busiest_window_posts FROM (
    SELECT burst_id, count(*) OVER (PARTITION BY burst_id ORDER BY created_at
      RANGE BETWEEN CURRENT ROW AND INTERVAL ({sync}) SECOND FOLLOWING) AS in_window
    FROM trend_burst_posts) GROUP BY burst_id
)
SELECT b.burst_id, b.platform, b.kind, b.key, b.start_at, b.end_at, b.peak_posts, b.baseline_median,
  round(b.peak_z, 2) AS peak_z, p.volume, p.accounts,
  round(coalesce(p.coordinated_posts, 0) / p.volume, 4) AS coordinated_share,
  round(coalesce(p.new_account_posts, 0) / p.volume, 4) AS new_account_share,
  CASE WHEN p.history_known THEN round(coalesce(p.no_history_posts, 0) / p.volume, 4) END AS no_history_share,
  round(coalesce(p.suspect_posts, 0) / p.volume, 4) AS suspect_share,
  p.coordinated_accounts, p.new_accounts, CASE WHEN p.history_known THEN p.no_history_accounts END
    AS no_history_accounts,
  p.suspect_accounts, p.accounts_unknown_age, p.clusters,
  round(p.top_posts / p.volume, 4) AS top_accounts_share, round(greatest(p.gini, 0), 4) AS gini,
  round(s.busiest_window_posts / p.volume, 4) AS busiest_window_share,
  p.volume >= {min_posts} AND p.accounts >= {min_accounts} AND coalesce(p.suspect_posts, 0) >= {share} * p.volume
    AS manufactured
FROM trend_bursts b JOIN per_burst p USING (burst_id) JOIN sync s USING (burst_id)
ORDER BY b.burst_id
"""


def burst_figures(con: duckdb.DuckDBPyConnection, params: TrendParams) -> pa.Table:
    """Per burst of `trend_bursts`: volume, accounts, who carried it, how concentrated and synchronised, and
    whether that makes it manufactured. Needs `_trend_coordinated` registered."""
    sql = _BURST_FIGURES.format(
        new_days=float(params.new_account_days),
        history_days=float(params.history_days),
        top=int(params.top_accounts),
        sync=int(params.sync_window_seconds),
        min_posts=int(params.min_burst_posts),
        min_accounts=int(params.min_burst_accounts),
        share=float(params.suspect_share),
    )
    statements = sql.split(";\n\n")
    con.execute(statements[0])
    return con.sql(statements[1]).to_arrow_table()


def detect_trends(
    con: duckdb.DuckDBPyConnection,
    params: TrendParams | None = None,
    coordinated: pa.Table | None = None,
    topics: pa.Table | None = None,
    step: StepCallback = _quiet,
) -> TrendResult:
    """Bursts of every hashtag and URL (and topic, given `topics`: platform, post_id, topic) on the `posts` and
    `accounts` views of `con`; `coordinated` (platform, account_id, cluster_id) is the coordination detector's
    accounts table. Leaves temp tables `trend_bursts`, `trend_burst_posts` and `trend_burst_accounts`."""
    params = params or TrendParams()
    if topics is not None and "topic" not in params.kinds:
        params = TrendParams(**{**asdict(params), "kinds": (*params.kinds, "topic")})
    if not params.kinds:
        raise ValueError("nothing to watch: give key kinds (hashtag, url) or a topics table")
    _register(con, "_trend_topics", topics, TOPICS_SCHEMA)
    _register(con, "_trend_coordinated", coordinated, COORDINATED_SCHEMA)
    try:
        found = find_bursts(con, params, step)
        step(f"{found:,} bursts: measuring who carried them")
        bursts = burst_figures(con, params)
    finally:
        con.unregister("_trend_topics")
        con.unregister("_trend_coordinated")
    flagged = [row for row in bursts.to_pylist() if row["manufactured"]]
    findings = [_finding(con, row, params) for row in flagged]
    return TrendResult(bursts, findings)


def _suspects(
    con: duckdb.DuckDBPyConnection, burst_id: int, limit: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The burst's top accounts by volume with their traits, and its coordinated clusters by volume."""
    accounts = [
        {
            "platform": p,
            "account_id": a,
            "posts": int(n),
            "cluster_id": c,
            "registered_at": reg,
            "followers": None if f is None else int(f),
            "new_account": bool(new),
            "no_history": bool(nh),
        }
        for p, a, n, c, reg, f, new, nh in con.execute(
            """
            SELECT platform, account_id, posts, cluster_id, registered_at, followers, new_account, no_history
            FROM trend_burst_accounts WHERE burst_id = ?
            ORDER BY (cluster_id IS NOT NULL OR new_account OR no_history) DESC, posts DESC, platform, account_id
            LIMIT ?
            """,
            [burst_id, limit],
        ).fetchall()
    ]
    clusters = [
        {"cluster_id": c, "accounts": int(n), "posts": int(v)}
        for c, n, v in con.execute(
            """
            SELECT cluster_id, count(*), sum(posts) FROM trend_burst_accounts
            WHERE burst_id = ? AND cluster_id IS NOT NULL GROUP BY cluster_id ORDER BY sum(posts) DESC, cluster_id
            """,
            [burst_id],
        ).fetchall()
    ]
    return accounts, clusters


def _pct(share: float | None) -> str:
    return "unknown" if share is None else f"{100 * share:.0f}%"


def _explain(row: dict[str, Any], clusters: list[dict[str, Any]], params: TrendParams) -> str:
    what = {"hashtag": f"hashtag #{row['key']}", "url": f"link {row['key']}", "topic": f"topic {row['key']}"}
    hours = (row["end_at"] - row["start_at"]) / timedelta(hours=1)
    carriers = []
    if row["coordinated_share"]:
        named = ", ".join(c["cluster_id"] for c in clusters[:3]) + ("…" if len(clusters) > 3 else "")
        carriers.append(
            f"{_pct(row['coordinated_share'])} from {row['coordinated_accounts']} accounts of coordinated "
            f"cluster(s) {named}"
        )
    if row["new_account_share"]:
        carriers.append(
            f"{_pct(row['new_account_share'])} from {row['new_accounts']} accounts registered less than "
            f"{params.new_account_days:g} days before"
        )
    if row["no_history_share"]:
        carriers.append(
            f"{_pct(row['no_history_share'])} from {row['no_history_accounts']} accounts that had never posted before"
        )
    return (
        f"The {what[row['kind']]} on {row['platform']} burst to {row['peak_posts']} posts per "
        f"{params.bin_seconds // 60} minutes (typical: {row['baseline_median'] or 0:g}), {row['volume']} posts by "
        f"{row['accounts']} accounts over {hours:g} hour(s). {_pct(row['suspect_share'])} of it came from accounts "
        f"that are coordinated, new or without history: {'; '.join(carriers)}. The top {params.top_accounts} "
        f"accounts posted {_pct(row['top_accounts_share'])} of it (Gini {row['gini']:.2f}); "
        f"{_pct(row['busiest_window_share'])} fell within its busiest {params.sync_window_seconds // 60} minutes."
    )


def _finding(con: duckdb.DuckDBPyConnection, row: dict[str, Any], params: TrendParams) -> Finding:
    accounts, clusters = _suspects(con, row["burst_id"], params.top_accounts)
    key_subject = (
        Subject("url", row["platform"], row["key"])
        if row["kind"] == "url"
        else (Subject(row["kind"], row["platform"], row["key"]))
    )
    figures = {k: v for k, v in row.items() if k not in ("burst_id", "start_at", "end_at", "manufactured")}
    return Finding(
        kind="manufactured_trend",
        score=float(row["suspect_share"]),
        subjects=(key_subject, *(Subject("account", a["platform"], a["account_id"]) for a in accounts)),
        start=row["start_at"].astimezone(UTC),
        end=row["end_at"].astimezone(UTC),
        explanation=_explain(row, clusters, params),
        evidence={
            **figures,
            "clusters": clusters,
            "top_accounts": accounts,
            "timeline": _timeline(con, row["burst_id"], params),
        },
        detector=DETECTOR,
        detector_version=VERSION,
        parameters=params.parameters(),
    )


def _timeline(con: duckdb.DuckDBPyConnection, burst_id: int, params: TrendParams) -> list[dict[str, Any]]:
    """Posts per bin around the burst: the day it rose from, the burst, and a few bins after."""
    return [
        {"bin_start": datetime.fromtimestamp(b, UTC), "posts": int(n)}
        for b, n in con.execute(
            """
            SELECT k.bin * ? AS t, count(*) FROM trend_key_posts k JOIN trend_bursts b USING (platform, kind, key)
            WHERE b.burst_id = ? AND k.bin BETWEEN b.first_bin - 24 AND b.last_bin + 6 GROUP BY k.bin ORDER BY k.bin
            """,
            [params.bin_seconds, burst_id],
        ).fetchall()
    ]
