"""Rumor cascades: how posts restating a debunked claim spread, who spread them, and how far they reached.

Input: the rumor posts (platform, post_id, claim_id), e.g. the claim matcher's matches. Everything else comes from
the store's `posts` and `accounts` views, in DuckDB:

1. **Roots.** A rumor post whose ancestors (along repost_of, quote_of, reply_to, in that order of preference)
   include another rumor post of the same claim lies inside that post's tree; every other rumor post is a root.
   A root whose parent id names a post the store does not hold is flagged `missing_parent` (the original was
   not collected: the tree is a fragment).
2. **Trees.** Breadth-first descent from the roots, one join of the frontier with the compact link table per level,
   so a tree of depth d costs d scans of the links, whatever the number of posts. Each node keeps its path of
   ancestors, so descendants per post are a group-by of the unnested paths.
3. **Figures** per tree and per claim: size, depth, widest level (breadth), speed (time until 50% and 90% of the
   posts existed, posts in the first hour), reach (followers of the distinct accounts involved, where known),
   super-spreaders (accounts whose posts have the most descendants) and the high-influence ("big V") accounts
   among them.

A cascade is a fact of spread, not a judgement of the claim: the score says how far and how fast it travelled.
Accounts on a configurable watch list (key accounts) raise a `key_account` finding as soon as any of their posts
is part of a cascade, however small.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa

from floodwatch.schema import Finding, Subject

DETECTOR = "floodwatch.cascades"
VERSION = "1"

SEEDS_SCHEMA = pa.schema([("platform", pa.string()), ("post_id", pa.string()), ("claim_id", pa.string())])
KEY_ACCOUNTS_SCHEMA = pa.schema([("platform", pa.string()), ("account_id", pa.string())])
# The order of preference when a post has more than one parent link.
LINKS = ("repost_of", "quote_of", "reply_to")

RumorPosts: TypeAlias = pa.Table | Iterable[tuple[str, str, str | None]]


@dataclass(frozen=True)
class CascadeParams:
    # An account is high-influence ("big V") with at least this many followers, or when verified.
    big_v_followers: int = 100_000
    # Watch list: any post of these (platform, account_id) in a cascade raises a `key_account` finding.
    key_accounts: tuple[tuple[str, str], ...] = ()
    # Links followed from parent to child; replies engage with a post without passing it on, so they can be left out.
    links: tuple[str, ...] = LINKS
    # Claims whose cascades hold fewer posts get no `rumor_cascade` finding (key accounts still do).
    min_size: int = 3
    # Descent stops at this depth: a guard against malformed reply cycles, far deeper than real cascades.
    max_depth: int = 200
    # The score rises with size and reach; these are the size and the reach at which it reaches 1 - 1/e.
    size_scale: float = 200.0
    reach_scale: float = 1_000_000.0
    top_spreaders: int = 10
    top_trees: int = 10
    max_root_posts: int = 50

    def __post_init__(self) -> None:
        unknown = sorted(set(self.links) - set(LINKS))
        if unknown or not self.links:
            raise ValueError(f"links must be a non-empty subset of {LINKS}, got {self.links}")
        if self.min_size < 1 or self.max_depth < 1:
            raise ValueError("min_size and max_depth must be at least 1")

    def parameters(self) -> dict[str, Any]:
        values = asdict(self)
        # A watch list can be long: the findings name it by size and digest rather than repeat it.
        listed = "\n".join(f"{p}\t{a}" for p, a in sorted(set(self.key_accounts)))
        values["key_accounts"] = {
            "count": len(set(self.key_accounts)),
            "sha256": hashlib.sha256(listed.encode()).hexdigest(),
        }
        values["links"] = list(self.links)
        return values


def seeds_table(rumor_posts: RumorPosts) -> pa.Table:
    """The rumor posts as (platform, post_id, claim_id): a table with those columns (others ignored), or tuples."""
    if isinstance(rumor_posts, pa.Table):
        missing = {"platform", "post_id"} - set(rumor_posts.column_names)
        if missing:
            raise ValueError(f"rumor posts need columns platform and post_id; missing {sorted(missing)}")
        columns = {
            "platform": rumor_posts.column("platform").cast(pa.string()),
            "post_id": rumor_posts.column("post_id").cast(pa.string()),
            "claim_id": rumor_posts.column("claim_id").cast(pa.string())
            if "claim_id" in rumor_posts.column_names
            else pa.nulls(rumor_posts.num_rows, pa.string()),
        }
        return pa.table(columns, schema=SEEDS_SCHEMA)
    rows = [(str(p), str(i), None if c is None else str(c)) for p, i, c in rumor_posts]
    return pa.Table.from_pylist([{"platform": p, "post_id": i, "claim_id": c} for p, i, c in rows], schema=SEEDS_SCHEMA)


def _parent_expression(links: Sequence[str]) -> str:
    ordered = [name for name in LINKS if name in links]
    return f"coalesce({', '.join(ordered)})" if len(ordered) > 1 else ordered[0]


def _link_kind_expression(links: Sequence[str]) -> str:
    ordered = [name for name in LINKS if name in links]
    cases = " ".join(
        f"WHEN {name} IS NOT NULL THEN '{name.removesuffix('_of').removesuffix('_to')}'" for name in ordered
    )
    return f"CASE {cases} END"


def build_trees(con: duckdb.DuckDBPyConnection, rumor_posts: RumorPosts, params: CascadeParams) -> int:
    """Reconstruct the spread trees of the rumor posts into temp table `cascade_nodes` of `con`; returns its rows.

    `cascade_nodes`: claim (the claim id, or `post:<platform>:<root>` for rumor posts without one), platform,
    root_id, post_id, parent_id, depth, path (ancestor post ids from the root), missing_parent (of the root),
    link (repost / quote / reply; null for roots), account_id, created_at, followers, verified.
    """
    con.register("_cascade_seed_input", seeds_table(rumor_posts))
    parent = _parent_expression(params.links)
    try:
        # Seeds must be stored posts; an id the store lacks cannot be placed in any tree.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _cascade_seeds AS
            SELECT DISTINCT coalesce(s.claim_id, 'post:' || s.platform || ':' || s.post_id) AS claim,
              s.platform, s.post_id, {parent} AS parent_id
            FROM _cascade_seed_input s JOIN posts p USING (platform, post_id)
            """
        )
    finally:
        con.unregister("_cascade_seed_input")
    # Every parent link in the store, compact: the descent scans this once per tree level.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _cascade_links AS
        SELECT platform, post_id, {parent} AS parent_id, {_link_kind_expression(params.links)} AS link
        FROM posts WHERE {parent} IS NOT NULL
        """
    )
    _find_roots(con, params)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _cascade_tree AS
        SELECT claim, platform, post_id AS root_id, post_id, NULL::VARCHAR AS parent_id, 0 AS depth,
          []::VARCHAR[] AS path, NULL::VARCHAR AS link
        FROM _cascade_roots;
        CREATE OR REPLACE TEMP TABLE _cascade_frontier AS SELECT * FROM _cascade_tree;
        """
    )
    for _ in range(params.max_depth):
        # A child already on its own path would be a reply cycle: malformed data, cut here.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _cascade_next AS
            SELECT f.claim, f.platform, f.root_id, l.post_id, l.parent_id, f.depth + 1 AS depth,
              list_append(f.path, f.post_id) AS path, l.link
            FROM _cascade_frontier f
            JOIN _cascade_links l ON l.platform = f.platform AND l.parent_id = f.post_id
            WHERE NOT list_contains(f.path, l.post_id) AND l.post_id <> f.root_id
            """
        )
        added = con.execute("SELECT count(*) FROM _cascade_next").fetchall()[0][0]
        if not added:
            break
        con.execute(
            "INSERT INTO _cascade_tree SELECT * FROM _cascade_next; "
            "CREATE OR REPLACE TEMP TABLE _cascade_frontier AS SELECT * FROM _cascade_next"
        )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cascade_nodes AS
        SELECT t.claim, t.platform, t.root_id, t.post_id, t.parent_id, t.depth, t.path, r.missing_parent, t.link,
          p.account_id, p.created_at, a.followers, coalesce(a.verified, false) AS verified
        FROM _cascade_tree t
        JOIN _cascade_roots r ON r.claim = t.claim AND r.platform = t.platform AND r.post_id = t.root_id
        JOIN posts p ON p.platform = t.platform AND p.post_id = t.post_id
        LEFT JOIN accounts a ON a.platform = p.platform AND a.account_id = p.account_id;
        DROP TABLE _cascade_tree; DROP TABLE _cascade_frontier; DROP TABLE IF EXISTS _cascade_next;
        DROP TABLE _cascade_links; DROP TABLE _cascade_seeds;
        """
    )
    rows: int = con.execute("SELECT count(*) FROM cascade_nodes").fetchall()[0][0]
    return rows


def _find_roots(con: duckdb.DuckDBPyConnection, params: CascadeParams) -> None:
    """`_cascade_roots`: seeds with no seed of the same claim among their ancestors, and whether their parent
    is missing from the store. Walks up from every seed, one level per step, until the chain ends."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _cascade_nested (claim VARCHAR, platform VARCHAR, post_id VARCHAR);
        CREATE OR REPLACE TEMP TABLE _cascade_up AS
        SELECT claim, platform, post_id AS seed_id, parent_id AS ancestor_id FROM _cascade_seeds
        WHERE parent_id IS NOT NULL;
        """
    )
    for _ in range(params.max_depth):
        con.execute(
            """
            INSERT INTO _cascade_nested
            SELECT u.claim, u.platform, u.seed_id FROM _cascade_up u
            JOIN _cascade_seeds s ON s.claim = u.claim AND s.platform = u.platform AND s.post_id = u.ancestor_id
            WHERE u.ancestor_id <> u.seed_id;
            CREATE OR REPLACE TEMP TABLE _cascade_up AS
            SELECT u.claim, u.platform, u.seed_id, l.parent_id AS ancestor_id FROM _cascade_up u
            JOIN _cascade_links l ON l.platform = u.platform AND l.post_id = u.ancestor_id
            WHERE u.ancestor_id <> u.seed_id
              AND NOT EXISTS (SELECT 1 FROM _cascade_seeds s
                WHERE s.claim = u.claim AND s.platform = u.platform AND s.post_id = u.ancestor_id);
            """
        )
        if not con.execute("SELECT count(*) FROM _cascade_up").fetchall()[0][0]:
            break
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _cascade_roots AS
        SELECT s.claim, s.platform, s.post_id,
          s.parent_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM posts p WHERE p.platform = s.platform AND p.post_id = s.parent_id) AS missing_parent
        FROM _cascade_seeds s
        WHERE NOT EXISTS (SELECT 1 FROM _cascade_nested n
          WHERE n.claim = s.claim AND n.platform = s.platform AND n.post_id = s.post_id);
        DROP TABLE _cascade_nested; DROP TABLE _cascade_up;
        """
    )


_TREE_FIGURES = """
WITH ranked AS (
  SELECT *, row_number() OVER (PARTITION BY claim, platform, root_id ORDER BY created_at, post_id) AS arrival,
    count(*) OVER (PARTITION BY claim, platform, root_id) AS tree_size
  FROM cascade_nodes
), root AS (
  -- time to q of the size: when the ceil(q * size)-th post appeared
  SELECT claim, platform, root_id, any_value(missing_parent) AS missing_parent,
    min(created_at) FILTER (WHERE depth = 0) AS root_at, count(*) AS size, max(depth) AS depth,
    count(DISTINCT account_id) AS accounts,
    count(*) FILTER (WHERE link = 'repost') AS reposts, count(*) FILTER (WHERE link = 'quote') AS quotes,
    count(*) FILTER (WHERE link = 'reply') AS replies,
    any_value(account_id) FILTER (WHERE depth = 0) AS root_account,
    min(created_at) FILTER (WHERE arrival >= ceil(0.5 * tree_size)) AS t50_at,
    min(created_at) FILTER (WHERE arrival >= ceil(0.9 * tree_size)) AS t90_at, max(created_at) AS last_at
  FROM ranked GROUP BY claim, platform, root_id
), levels AS (
  SELECT claim, platform, root_id, max(n) AS max_breadth FROM (
    SELECT claim, platform, root_id, depth, count(*) AS n FROM cascade_nodes GROUP BY ALL) GROUP BY ALL
), first_hour AS (
  SELECT n.claim, n.platform, n.root_id, count(*) AS first_hour_posts
  FROM cascade_nodes n JOIN root r USING (claim, platform, root_id)
  WHERE n.depth > 0 AND n.created_at < r.root_at + INTERVAL 1 HOUR GROUP BY ALL
), reach AS (
  SELECT claim, platform, root_id, sum(followers)::BIGINT AS reach, count(*) FILTER (WHERE followers IS NULL) AS unknown
  FROM (SELECT DISTINCT claim, platform, root_id, account_id, followers FROM cascade_nodes) GROUP BY ALL
)
SELECT r.claim AS claim_id, r.platform, r.root_id AS root_post_id, r.root_account, r.missing_parent,
  r.root_at, r.size, r.depth, l.max_breadth, r.accounts, r.reposts, r.quotes, r.replies,
  greatest(epoch(r.t50_at - r.root_at), 0) AS seconds_to_50,
  greatest(epoch(r.t90_at - r.root_at), 0) AS seconds_to_90,
  coalesce(h.first_hour_posts, 0) AS first_hour_posts, r.last_at,
  coalesce(x.reach, 0) AS reach, x.unknown AS accounts_unknown_followers
FROM root r JOIN levels l USING (claim, platform, root_id) JOIN reach x USING (claim, platform, root_id)
LEFT JOIN first_hour h USING (claim, platform, root_id)
ORDER BY claim_id, size DESC, platform, root_post_id
"""


def tree_figures(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """One row per tree of `cascade_nodes` (see `build_trees`): size, depth, breadth, speed, reach."""
    return con.sql(_TREE_FIGURES).to_arrow_table()


def spread_trees(con: duckdb.DuckDBPyConnection, rumor_posts: RumorPosts, params: CascadeParams) -> pa.Table:
    """The spread trees of the rumor posts, one row of figures per tree."""
    build_trees(con, rumor_posts, params)
    return tree_figures(con)


def _spreaders(con: duckdb.DuckDBPyConnection, params: CascadeParams) -> dict[str, list[dict[str, Any]]]:
    """Per claim, accounts ranked by the distinct descendants of their posts; ties by direct children."""
    rows = con.execute(
        f"""
        WITH anc AS (
          SELECT claim, platform, unnest(path) AS ancestor_id, post_id FROM cascade_nodes WHERE depth > 0
        ), per_post AS (
          SELECT claim, platform, ancestor_id AS post_id, count(*) AS descendants FROM anc GROUP BY ALL
        ), children AS (
          SELECT claim, platform, parent_id AS post_id, count(*) AS children
          FROM cascade_nodes WHERE depth > 0 GROUP BY ALL
        ), per_account AS (
          SELECT n.claim, n.platform, n.account_id, count(*) AS posts,
            coalesce(sum(p.descendants), 0) AS descendants, coalesce(sum(c.children), 0) AS direct,
            any_value(n.followers) AS followers, bool_or(n.verified) AS verified, min(n.depth) AS min_depth
          FROM cascade_nodes n
          LEFT JOIN per_post p USING (claim, platform, post_id)
          LEFT JOIN children c USING (claim, platform, post_id)
          GROUP BY ALL
        )
        SELECT claim, platform, account_id, posts, descendants, direct, followers, verified, min_depth,
          row_number() OVER (PARTITION BY claim ORDER BY descendants DESC, direct DESC, platform, account_id) AS rnk,
          coalesce(followers >= {int(params.big_v_followers)}, false) OR verified AS big_v
        FROM per_account
        QUALIFY rnk <= {int(params.top_spreaders)} OR big_v
        ORDER BY claim, rnk
        """
    ).fetchall()
    out: dict[str, list[dict[str, Any]]] = {}
    for claim, platform, account, posts, desc, direct, followers, verified, min_depth, rank, big_v in rows:
        out.setdefault(claim, []).append(
            {
                "platform": platform,
                "account_id": account,
                "rank": int(rank),
                "posts": int(posts),
                "descendants": int(desc),
                "direct_children": int(direct),
                "followers": None if followers is None else int(followers),
                "verified": bool(verified),
                "big_v": bool(big_v),
                "role": "origin" if min_depth == 0 else "spreader",
            }
        )
    return out


def _timelines(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    rows = con.execute(
        """
        SELECT claim, date_trunc('hour', created_at) AS hour, count(*) AS posts, count(DISTINCT account_id) AS accounts
        FROM cascade_nodes GROUP BY ALL ORDER BY claim, hour
        """
    ).fetchall()
    out: dict[str, list[dict[str, Any]]] = {}
    for claim, hour, posts, accounts in rows:
        out.setdefault(claim, []).append({"hour": hour, "posts": int(posts), "accounts": int(accounts)})
    return out


def _claim_totals(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Whole-claim figures: trees together, accounts counted once across trees."""
    rows = con.execute(
        """
        WITH acc AS (SELECT DISTINCT claim, platform, account_id, followers FROM cascade_nodes),
        ranked AS (
          SELECT *, row_number() OVER (PARTITION BY claim ORDER BY created_at, platform, post_id) AS arrival,
            count(*) OVER (PARTITION BY claim) AS claim_size
          FROM cascade_nodes
        )
        SELECT n.claim, count(*) AS size, count(DISTINCT (n.platform, n.root_id)) AS trees, max(n.depth) AS depth,
          min(n.created_at) AS first_at, max(n.created_at) AS last_at,
          min(n.created_at) FILTER (WHERE arrival >= ceil(0.5 * claim_size)) AS t50_at,
          min(n.created_at) FILTER (WHERE arrival >= ceil(0.9 * claim_size)) AS t90_at,
          (SELECT count(*) FROM acc WHERE acc.claim = n.claim) AS accounts,
          (SELECT coalesce(sum(followers), 0)::BIGINT FROM acc WHERE acc.claim = n.claim) AS reach,
          list(DISTINCT n.platform ORDER BY n.platform) AS platforms
        FROM ranked n GROUP BY n.claim
        """
    ).fetchall()
    return {
        claim: {
            "size": int(size),
            "trees": int(trees),
            "depth": int(depth),
            "first_at": first_at,
            "last_at": last_at,
            "seconds_to_50": max(0.0, (t50 - first_at).total_seconds()),
            "seconds_to_90": max(0.0, (t90 - first_at).total_seconds()),
            "accounts": int(accounts),
            "reach": int(reach),
            "platforms": list(platforms),
        }
        for claim, size, trees, depth, first_at, last_at, t50, t90, accounts, reach, platforms in rows
    }


def cascade_score(size: int, reach: int, params: CascadeParams) -> float:
    """How far it spread: either many posts or a large audience makes a cascade severe (1 - both misses)."""
    by_size = 1.0 - math.exp(-size / params.size_scale)
    by_reach = 1.0 - math.exp(-reach / params.reach_scale)
    return round(1.0 - (1.0 - by_size) * (1.0 - by_reach), 4)


def _hours(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds < 3600 else f"{seconds / 3600:.1f} hours"


def _tree_evidence(row: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "platform",
        "root_post_id",
        "root_account",
        "missing_parent",
        "root_at",
        "size",
        "depth",
        "max_breadth",
        "accounts",
        "reposts",
        "quotes",
        "replies",
        "seconds_to_50",
        "seconds_to_90",
        "first_hour_posts",
        "reach",
        "accounts_unknown_followers",
    )
    return {k: row[k] for k in keep}


def _explain_cascade(
    claim: str, totals: dict[str, Any], trees: list[dict[str, Any]], spreaders: list[dict[str, Any]]
) -> str:
    top = [s for s in spreaders if s["descendants"] > 0][:3]
    big_v = [s for s in spreaders if s["big_v"]]
    fastest = max(trees, key=lambda t: t["first_hour_posts"])
    widest = max(trees, key=lambda t: t["max_breadth"])
    missing = sum(t["missing_parent"] for t in trees)
    parts = [
        f"Posts of claim {claim} spread in {totals['trees']} tree(s) on {', '.join(totals['platforms'])}: "
        f"{totals['size']:,} posts by {totals['accounts']:,} accounts with about {totals['reach']:,} followers "
        f"in all, {totals['depth']} levels deep and up to {widest['max_breadth']:,} posts wide.",
        f"Half the posts existed {_hours(totals['seconds_to_50'])} after the first, 90% after "
        f"{_hours(totals['seconds_to_90'])}; the fastest tree drew {fastest['first_hour_posts']:,} posts in its first "
        "hour.",
    ]
    if top:
        named = "; ".join(
            f"{s['platform']}:{s['account_id']} ({s['descendants']:,} downstream posts"
            + (f", {s['followers']:,} followers" if s["followers"] is not None else "")
            + (", verified" if s["verified"] else "")
            + ")"
            for s in top
        )
        parts.append(f"Most of the spread went through {named}.")
    if big_v:
        parts.append(f"{len(big_v)} high-influence account(s) took part.")
    if missing:
        parts.append(f"{missing} tree(s) start from a post whose parent is not in the store, so they are fragments.")
    return " ".join(parts)


def rumor_cascade_findings(
    con: duckdb.DuckDBPyConnection, rumor_posts: RumorPosts, params: CascadeParams | None = None
) -> list[Finding]:
    """One `rumor_cascade` finding per claim whose cascades hold at least `min_size` posts, and one `key_account`
    finding per watch-listed account (per claim) with any post in a cascade. Works on the `posts` and `accounts`
    views of `con`; leaves temp table `cascade_nodes` for further queries."""
    params = params or CascadeParams()
    build_trees(con, rumor_posts, params)
    trees_by_claim: dict[str, list[dict[str, Any]]] = {}
    for row in tree_figures(con).to_pylist():
        trees_by_claim.setdefault(row["claim_id"], []).append(row)
    totals = _claim_totals(con)
    spreaders = _spreaders(con, params)
    timelines = _timelines(con)
    parameters = params.parameters()
    findings: list[Finding] = []
    for claim, trees in sorted(trees_by_claim.items()):
        total = totals[claim]
        if total["size"] < params.min_size:
            continue
        ranked = spreaders.get(claim, [])
        top = [s for s in ranked if s["rank"] <= params.top_spreaders]
        big_v = [s for s in ranked if s["big_v"]]
        roots = [
            {
                "platform": t["platform"],
                "post_id": t["root_post_id"],
                "account_id": t["root_account"],
                "missing_parent": t["missing_parent"],
            }
            for t in trees[: params.max_root_posts]
        ]
        subjects = [Subject("claim", None, claim)] if not claim.startswith("post:") else []
        subjects += [Subject("post", r["platform"], r["post_id"]) for r in roots]
        subjects += [Subject("account", s["platform"], s["account_id"]) for s in top if s["descendants"] > 0]
        subjects += [Subject("account", s["platform"], s["account_id"]) for s in big_v if s not in top]
        findings.append(
            Finding(
                kind="rumor_cascade",
                score=cascade_score(total["size"], total["reach"], params),
                subjects=tuple(dict.fromkeys(subjects)),
                start=total["first_at"],
                end=total["last_at"],
                explanation=_explain_cascade(claim, total, trees, ranked),
                evidence={
                    "claim_id": claim,
                    "root_posts": roots,
                    "roots_total": len(trees),
                    "size": total["size"],
                    "depth": total["depth"],
                    "max_breadth": max(t["max_breadth"] for t in trees),
                    "accounts": total["accounts"],
                    "reach": total["reach"],
                    "seconds_to_50": total["seconds_to_50"],
                    "seconds_to_90": total["seconds_to_90"],
                    "first_hour_posts_max": max(t["first_hour_posts"] for t in trees),
                    "platforms": total["platforms"],
                    "trees": [_tree_evidence(t) for t in trees[: params.top_trees]],
                    "top_spreaders": top,
                    "big_v": big_v,
                    "timeline": timelines.get(claim, []),
                },
                detector=DETECTOR,
                detector_version=VERSION,
                parameters=parameters,
            )
        )
    findings += _key_account_findings(con, params, parameters)
    return findings


def _key_account_findings(
    con: duckdb.DuckDBPyConnection, params: CascadeParams, parameters: dict[str, Any]
) -> list[Finding]:
    if not params.key_accounts:
        return []
    watch = pa.Table.from_pylist(
        [{"platform": p, "account_id": a} for p, a in params.key_accounts], schema=KEY_ACCOUNTS_SCHEMA
    )
    con.register("_cascade_watch", watch)
    try:
        rows = con.execute(
            """
            SELECT n.claim, n.platform, n.account_id, n.post_id, n.root_id, n.depth, n.link, n.created_at,
              n.followers, n.verified,
              (SELECT count(*) FROM cascade_nodes d
               WHERE d.claim = n.claim AND d.platform = n.platform AND list_contains(d.path, n.post_id)) AS descendants
            FROM cascade_nodes n JOIN (SELECT DISTINCT * FROM _cascade_watch) w USING (platform, account_id)
            ORDER BY n.claim, n.platform, n.account_id, n.created_at, n.post_id
            """
        ).fetchall()
    finally:
        con.unregister("_cascade_watch")
    grouped: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault((row[0], row[1], row[2]), []).append(row)
    findings = []
    for (claim, platform, account), posts in grouped.items():
        followers, verified = posts[0][8], posts[0][9]
        origins = sum(p[5] == 0 for p in posts)
        downstream = sum(int(p[10]) for p in posts)
        what = f"restated claim {claim} in {origins} post(s)" if origins else f"passed on claim {claim}"
        findings.append(
            Finding(
                kind="key_account",
                # A watch-list hit is certain by construction; the cascade finding says how much it matters.
                score=1.0,
                subjects=(Subject("account", platform, account), *(Subject("post", platform, p[3]) for p in posts)),
                start=posts[0][7],
                end=posts[-1][7],
                explanation=(
                    f"Watch-listed account {platform}:{account} {what}: {len(posts)} post(s) in the cascade, "
                    f"{downstream:,} posts downstream of them."
                ),
                evidence={
                    "claim_id": claim,
                    "platform": platform,
                    "account_id": account,
                    "followers": followers,
                    "verified": bool(verified),
                    "posts": [
                        {
                            "post_id": p[3],
                            "root_post_id": p[4],
                            "depth": int(p[5]),
                            "link": p[6],
                            "created_at": p[7],
                            "descendants": int(p[10]),
                        }
                        for p in posts
                    ],
                },
                detector=DETECTOR,
                detector_version=VERSION,
                parameters=parameters,
            )
        )
    return findings
