"""Why a cluster was flagged: members, what they pushed, when, how synchronised, and what kind of accounts they are.

Account traits follow the behavioural features of Chen et al. 2011 ("Battling the Internet Water Army"): account
age at first post, followers, posting rhythm, share of replies and reposts, active hours, verification. They
describe a group; they never decide membership (membership comes only from co-action).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

SAMPLE_POSTS = 12
TOP_KEYS = 5
TOP_EDGES = 50


@dataclass
class ClusterReport:
    cluster_id: str
    score: float
    members: list[dict[str, Any]]
    platforms: list[str]
    start: datetime
    end: datetime
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def q(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1) + 0.5))], 1)

    return {"p10": q(0.1), "median": q(0.5), "p90": q(0.9)}


def _hour_entropy(hours: list[int]) -> float:
    """Bits of entropy of the hour-of-day distribution: low means a fixed shift, high means all day."""
    if not hours:
        return 0.0
    counts = [hours.count(h) for h in set(hours)]
    total = sum(counts)
    return round(-sum(c / total * math.log2(c / total) for c in counts), 2)


SCOPE_TABLES = ("scope_pairs", "scope_events", "scope_posts", "scope_targets")


def cluster_membership(clusters: list[list[int]]) -> pa.Table:
    """(aid, cluster): each member account with the index of its cluster in `clusters`."""
    return pa.table(
        {
            "aid": pa.array([a for c in clusters for a in c], type=pa.int64()),
            "cluster": pa.array([i for i, c in enumerate(clusters) for _ in c], type=pa.int64()),
        }
    )


@contextmanager
def cluster_scope(con: duckdb.DuckDBPyConnection, clusters: list[list[int]]) -> Iterator[None]:
    """Copy what the explanations read about cluster members into small tables, once: their key pairs within
    their own cluster, their events and posts, and the posts they reposted or replied to together.

    Each explanation then reads these rather than key_pairs, events and post_ref, which at 10M posts hold
    hundreds of millions of rows: one scan each for all clusters instead of several per cluster.
    """
    con.register("_scope_members", cluster_membership(clusters))
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE scope_pairs AS
            SELECT p.aid_a, p.aid_b, p.kind, p.key, p.co_actions, p.first_t, p.last_t, p.min_gap, p.pid_a, p.pid_b
            FROM key_pairs p JOIN _scope_members a ON a.aid = p.aid_a
            JOIN _scope_members b ON b.aid = p.aid_b AND b.cluster = a.cluster
            """
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE scope_events AS "
            "SELECT kind, key, aid FROM events WHERE aid IN (SELECT aid FROM _scope_members)"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE scope_posts AS "
            "SELECT * FROM post_ref WHERE aid IN (SELECT aid FROM _scope_members)"
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE scope_targets AS
            SELECT platform || ':' || post_id AS key, text, platform, post_id, account_id FROM post_ref
            WHERE platform || ':' || post_id IN (SELECT key FROM scope_pairs WHERE kind IN ('repost', 'reply'))
            """
        )
        yield
    finally:
        con.unregister("_scope_members")
        for table in SCOPE_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")


def member_traits(con: duckdb.DuckDBPyConnection, aids: list[int]) -> list[dict[str, Any]]:
    rows = con.execute(
        """
        WITH p AS (SELECT * FROM scope_posts WHERE aid IN (SELECT unnest($1)))
        SELECT a.aid, a.platform, a.account_id, count(*) AS posts,
          min(p.t) AS first_t, max(p.t) AS last_t,
          avg((p.reply_to IS NOT NULL)::INT) AS reply_share,
          avg((p.repost_of IS NOT NULL)::INT) AS repost_share,
          list(hour(p.created_at)) AS hours,
          any_value(acc.created_at) AS created_at, any_value(acc.followers) AS followers,
          any_value(acc.verified) AS verified
        FROM p JOIN acct a USING (aid)
        LEFT JOIN accounts acc ON acc.platform = a.platform AND acc.account_id = a.account_id
        GROUP BY a.aid, a.platform, a.account_id
        ORDER BY a.platform, a.account_id
        """,
        [aids],
    ).fetchall()
    members = []
    for (
        aid,
        platform,
        account_id,
        posts,
        first_t,
        last_t,
        replies,
        reposts,
        hours,
        created,
        followers,
        verified,
    ) in rows:
        days = max(1.0, (last_t - first_t) / 86400)
        age = None if created is None else round((first_t - created.timestamp()) / 86400, 1)
        members.append(
            {
                "aid": aid,
                "platform": platform,
                "account_id": account_id,
                "posts": posts,
                "posts_per_day": round(posts / days, 2),
                "reply_share": round(replies, 2),
                "repost_share": round(reposts, 2),
                "hour_entropy_bits": _hour_entropy(list(hours)),
                "account_age_days_at_first_post": age,
                "followers": followers,
                "verified": verified,
            }
        )
    return members


def _top_keys(con: duckdb.DuckDBPyConnection, aids: list[int]) -> dict[str, list[dict[str, Any]]]:
    rows = con.execute(
        """
        WITH inside AS (
          SELECT * FROM scope_pairs WHERE aid_a IN (SELECT unnest($1)) AND aid_b IN (SELECT unnest($1))
        ), per_key AS (
          SELECT kind, key, sum(co_actions) AS co_actions, count(*) AS pairs, min(first_t) AS first_t,
            max(last_t) AS last_t, arg_min(pid_a, (min_gap, pid_a)) AS pid  -- ties: the first post
          FROM inside GROUP BY kind, key
        ), members AS (
          SELECT kind, key, count(DISTINCT aid) AS accounts, count(*) AS posts FROM scope_events
          WHERE aid IN (SELECT unnest($1)) GROUP BY kind, key
        )
        SELECT k.kind, k.key, m.accounts, m.posts, k.co_actions, k.first_t, k.last_t,
          -- for reposts and replies the example is the target post, when it is in the data
          coalesce(tp.text, p.text), coalesce(tp.platform, p.platform), coalesce(tp.post_id, p.post_id),
          tp.account_id AS target_account,
          row_number() OVER (PARTITION BY k.kind ORDER BY m.accounts DESC, k.co_actions DESC, k.key) AS rank
        FROM per_key k JOIN members m USING (kind, key) JOIN scope_posts p ON p.pid = k.pid
        LEFT JOIN scope_targets tp ON k.kind IN ('repost', 'reply') AND tp.key = k.key
        QUALIFY rank <= $2
        ORDER BY k.kind, rank
        """,
        [aids, TOP_KEYS],
    ).fetchall()
    top: dict[str, list[dict[str, Any]]] = {}
    for kind, key, accounts, posts, co_actions, first_t, last_t, text, platform, post_id, target, _ in rows:
        entry: dict[str, Any] = {
            "key": key,
            "accounts": accounts,
            "posts": posts,
            "co_actions": co_actions,
            "first": _ts(first_t).isoformat(),
            "last": _ts(last_t).isoformat(),
            "example_post": {"platform": platform, "post_id": post_id, "text": text},
        }
        if target is not None:
            entry["target_account"] = target
        top.setdefault(kind, []).append(entry)
    return top


def _sample_posts(con: duckdb.DuckDBPyConnection, aids: list[int]) -> list[dict[str, Any]]:
    rows = con.execute(
        """
        WITH closest AS (
          SELECT pid_a, pid_b, min_gap, kind FROM scope_pairs
          WHERE aid_a IN (SELECT unnest($1)) AND aid_b IN (SELECT unnest($1))
          ORDER BY min_gap, pid_a, pid_b, kind, key LIMIT $2
        ), pids AS (SELECT pid_a AS pid, kind FROM closest UNION SELECT pid_b, kind FROM closest)
        SELECT p.platform, p.post_id, p.account_id, p.created_at, p.text, p.repost_of, p.reply_to,
          string_agg(DISTINCT kind, ',' ORDER BY kind)
        FROM pids JOIN scope_posts p USING (pid)
        GROUP BY ALL ORDER BY p.created_at, p.platform, p.post_id LIMIT $2
        """,
        [aids, SAMPLE_POSTS],
    ).fetchall()
    return [
        {
            "platform": platform,
            "post_id": post_id,
            "account_id": account_id,
            "created_at": created.isoformat(),
            "text": text,
            "repost_of": repost_of,
            "reply_to": reply_to,
            "co_action_kinds": kinds,
        }
        for platform, post_id, account_id, created, text, repost_of, reply_to, kinds in rows
    ]


def _edges(con: duckdb.DuckDBPyConnection, aids: list[int]) -> tuple[list[dict[str, Any]], list[float], int]:
    rows = con.execute(
        """
        SELECT a.platform, a.account_id, b.platform, b.account_id, e.weight, e.n_keys, e.null_keys, e.kinds,
          e.median_gap, e.affinity, e.trace_similarity, e.trace_uses
        FROM edges e JOIN acct a ON a.aid = e.aid_a JOIN acct b ON b.aid = e.aid_b
        WHERE e.aid_a IN (SELECT unnest($1)) AND e.aid_b IN (SELECT unnest($1))
        -- rounded: parallel sums differ in the last bits from run to run, and ties must order the same each time
        ORDER BY round(e.weight, 6) DESC, a.platform, a.account_id, b.platform, b.account_id
        """,
        [aids],
    ).fetchall()
    gaps = [float(r[8]) for r in rows if r[8] is not None]
    edges = [
        {
            "a": {"platform": r[0], "account_id": r[1]},
            "b": {"platform": r[2], "account_id": r[3]},
            "weight": round(float(r[4]), 3),
            "shared_moments": r[5],
            "expected_by_chance": None if r[6] is None else round(float(r[6]), 2),
            "kinds": r[7],
            "median_gap_seconds": r[8],
            "affinity": None if r[9] is None else round(float(r[9]), 3),
            "trace_similarity": None if r[10] is None else round(float(r[10]), 3),
            "trace_shared_uses": r[11],
        }
        for r in rows[:TOP_EDGES]
    ]
    return edges, gaps, len(rows)


def _sentence(
    members: list[dict[str, Any]],
    platforms: list[str],
    top: dict[str, list[dict[str, Any]]],
    gaps: dict[str, float],
    start: datetime,
    end: datetime,
    co_actions: int,
) -> str:
    n = len(members)
    span_days = max(1, round((end - start).total_seconds() / 86400))
    parts = [
        f"{n} accounts on {', '.join(platforms)} acted together {co_actions:,} times over {span_days} day"
        + ("s" if span_days != 1 else "")
        + f" ({start:%Y-%m-%d} to {end:%Y-%m-%d})"
    ]
    described = {
        "repost": "reposted the same post",
        "reply": "replied to the same post",
        "same_text": "posted the same text",
        "similar_text": "posted near-identical text",
        "url": "shared the same link",
        "contact": "pushed the same contact",
        "hashtag": "used the same hashtag",
        "mention": "mentioned the same account",
        "domain": "linked the same site",
    }
    for kind in ("contact", "url", "same_text", "similar_text", "repost", "reply", "hashtag"):
        if kind in top:
            best = top[kind][0]
            what = best["key"] if kind not in ("same_text", "similar_text", "repost", "reply") else None
            text = f"{best['accounts']} of them {described[kind]}"
            if what:
                text += f" ({what})"
            elif best["example_post"]["text"]:
                by = f" by {best['target_account']}" if "target_account" in best else ""
                text += f" (\u201c{str(best['example_post']['text'])[:60]}\u201d{by})"
            parts.append(text)
    if gaps:
        parts.append(f"the closest pairs were a median {gaps['median']:g} s apart")
    young = [m for m in members if m["account_age_days_at_first_post"] is not None]
    if young:
        new = sum(1 for m in young if m["account_age_days_at_first_post"] < 30)
        parts.append(f"{new} of {len(young)} accounts with a known age were under 30 days old when they first posted")
    followers = sorted(m["followers"] for m in members if m["followers"] is not None)
    if followers:
        parts.append(f"median followers {followers[len(followers) // 2]:,}")
    return "; ".join(parts) + "."


def explain_cluster(con: duckdb.DuckDBPyConnection, cluster_id: str, aids: list[int], score: float) -> ClusterReport:
    """The report of one cluster; call inside `cluster_scope` of all the clusters being explained."""
    members = member_traits(con, aids)
    top = _top_keys(con, aids)
    edges, edge_gaps, edge_count = _edges(con, aids)
    span = con.execute(
        """
        SELECT min(first_t), max(last_t), sum(co_actions), list(min_gap) FROM scope_pairs
        WHERE aid_a IN (SELECT unnest($1)) AND aid_b IN (SELECT unnest($1))
        """,
        [aids],
    ).fetchall()[0]
    times = con.execute("SELECT min(t), max(t) FROM scope_posts WHERE aid IN (SELECT unnest($1))", [aids]).fetchall()[0]
    start = _ts(span[0] if span[0] is not None else times[0])
    end = _ts(span[1] if span[1] is not None else times[1])
    gaps = _quantiles([float(g) for g in (span[3] or [])])
    platforms = sorted({m["platform"] for m in members})
    co_actions = int(span[2] or 0)
    explanation = _sentence(members, platforms, top, gaps, start, end, co_actions)
    evidence = {
        "members": [{k: v for k, v in m.items() if k != "aid"} for m in members],
        "pushed": top,
        "synchrony_seconds": gaps,
        "edge_gap_seconds": _quantiles(edge_gaps),
        "co_actions": co_actions,
        "internal_edges": edge_count,
        "top_edges": edges,
        "sample_posts": _sample_posts(con, aids),
        "destinations": [d["key"] for d in top.get("contact", [])] + [d["key"] for d in top.get("url", [])],
    }
    public_members = [{"platform": m["platform"], "account_id": m["account_id"]} for m in members]
    return ClusterReport(cluster_id, score, public_members, platforms, start, end, explanation, evidence)
