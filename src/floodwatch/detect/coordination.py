"""Coordinated inauthentic behaviour: groups of accounts that act as one.

The method, step by step (docs/coordination.md has the long form):

1. **Events** (events.py): account × key × time for eight kinds of co-action.
2. **Key pairs** (an engine): accounts touching the same key within `window` seconds, hot keys bounded.
3. **Rarity**: a key shared by many accounts (a viral post, a trending tag) says little about any two of them, so
   each key weighs idf = ln(accounts / accounts on the key), times its kind's weight.
4. **Chance**: the same pairs are computed again with every account's post times shuffled among its own posts
   (`null_rounds` times). A pair is kept only if it co-acted on at least `min_keys` distinct keys and on
   `min_lift` times more keys than it does by chance. Coordination is repetition beyond chance, not one shared burst.
5. **Traces**: accounts whose whole activity is alike (TF-IDF vectors of the rare keys they touch, cosine), even
   when their timing is staggered beyond the window, are linked too (Pacheco et al., ICWSM 2021).
6. **Clusters**: Leiden on the weighted graph; a cluster of `min_cluster_size` or more is reported with a score
   and the evidence behind it (explain.py).

Behaviour, not viewpoint: no step looks at what a text says, only at who posted what, when, and with whom.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import igraph as ig
import leidenalg
import pyarrow as pa

from floodwatch import duck
from floodwatch.detect.events import IN_DUCKDB, KINDS, EventBuilder, EventParams, prepare_posts
from floodwatch.detect.explain import ClusterReport, cluster_membership, cluster_scope, explain_cluster
from floodwatch.engines.base import CoactionEngine, PairParams
from floodwatch.schema import Finding, Subject

DETECTOR = "coordination"
VERSION = "0.1.0"

StepCallback = Callable[[str], None]


def _quiet(message: str) -> None:
    del message


# How much one shared key of a kind says, before rarity. Tags, mentions and domains are shared by many
# unrelated accounts; a copied text or a repost of the same post within seconds says more.
KIND_WEIGHTS = {
    "same_text": 1.0,
    "similar_text": 1.0,
    "url": 1.0,
    "domain": 0.5,
    "contact": 1.0,
    "repost": 1.0,
    "reply": 1.0,
    "hashtag": 0.5,
    "mention": 0.5,
}


@dataclass(frozen=True)
class CoordinationParams:
    window: float = 30.0
    # A key few accounts ever touch (a small account's post, a shop link) is rarely shared by chance, so for
    # those keys co-action is looked for over a longer window.
    rare_window: float = 900.0
    rare_key_accounts: int = 50
    # A key touched by more accounts than this is a stop key, like "the" in a search index: shared by too many
    # to tell anyone apart (a trending tag, a celebrity's post), it is skipped, and the run says how many.
    max_key_accounts: int = 1_000
    kinds: tuple[str, ...] = KINDS
    max_neighbours: int = 50
    min_keys: int = 2
    min_lift: float = 2.0
    min_affinity: float = 0.25  # co-actions / posts of the less active account of the pair
    null_rounds: int = 2
    trace_min_similarity: float = 0.6
    trace_min_uses: int = 3
    trace_max_key_accounts: int = 500  # keys touched by more accounts do not propose trace pairs
    min_cluster_size: int = 3
    # A group's members are linked densely; chance meetings over a long window link up as a sparse web of
    # thousands of accounts. A cluster must link this share of its possible pairs, or (a large group, whose pairs
    # the hot-key cap keeps from all linking) give each member `dense_degree` partners on average.
    min_density: float = 0.05
    dense_degree: float = 10.0
    resolution: float = 1.0
    seed: int = 7
    events: EventParams = field(default_factory=EventParams)

    def parameters(self) -> dict[str, Any]:
        values = asdict(self)
        values["events"] = {
            "kinds": list(self.kinds),
            "min_text_chars": self.events.min_text_chars,
            "neardup": asdict(self.events.neardup),
        }
        values["kinds"] = list(self.kinds)
        return values


@dataclass
class CoordinationRun:
    """Everything the detector computed, in DuckDB temp tables of `con` plus the figures below."""

    con: duckdb.DuckDBPyConnection
    params: CoordinationParams
    events: int
    events_by_kind: dict[str, int]
    stop_keys: int
    key_pairs: int
    capped_events: int
    capped_keys: int
    edges: int
    clusters: int


def _shuffled_events(con: duckdb.DuckDBPyConnection, seed: int) -> pa.RecordBatchReader:
    """The null model: each account's post times permuted among its own posts; keys stay, timing is chance."""
    return (
        con.cursor()
        .sql(
            f"""
        WITH perm AS (
          SELECT pid, aid, t,
            row_number() OVER (PARTITION BY aid ORDER BY hash(pid, {int(seed)})) AS drawn,
            row_number() OVER (PARTITION BY aid ORDER BY t, pid) AS slot
          FROM post_ref
        ), moved AS (
          SELECT a.pid, b.t FROM perm a JOIN perm b ON a.aid = b.aid AND a.drawn = b.slot
        )
        SELECT events.aid, events.kind, events.key, moved.t, events.pid FROM events JOIN moved USING (pid)
        """
        )
        .to_arrow_reader()
    )


def _key_pairs(
    con: duckdb.DuckDBPyConnection,
    engine: CoactionEngine,
    events_table: str,
    params: CoordinationParams,
    into: str,
) -> tuple[int, int]:
    """Key pairs into table `into`: common keys within `window`, rare keys within `rare_window` (two engine runs
    on disjoint keys). Returns (capped events, capped keys).

    The DuckDB engine on this connection pairs in place: events and pairs never leave the database, so a large
    run stays within DuckDB's memory limit. Another engine (Spark) gets each selection as a stream of batches and
    its pairs are copied in (`engines.base.PairsThroughArrow`)."""

    def selection(rare: bool) -> str:
        return (
            f"SELECT e.* FROM {events_table} e JOIN key_idf k USING (kind, key) "
            f"WHERE (k.key_accounts <= {int(params.rare_key_accounts)}) = {rare}"
        )

    con.execute(f"DROP TABLE IF EXISTS {into}")
    capped = [0, 0]
    for rare in (False, True):
        window = max(params.window, params.rare_window) if rare else params.window
        pair_params = PairParams(window, params.max_neighbours)
        events, keys = engine.key_pairs_into(con, selection(rare), pair_params, into)
        capped[0] += events
        capped[1] += keys
    return capped[0], capped[1]


# Distinct co-acting moments of a pair: the posts of the less involved account that co-acted on any key. A repost
# that also mentions its author is one moment, not two; the same tag pushed together in three waves is three.
def moments_sql(key_pairs: str) -> str:
    """(aid_a, aid_b, moments) of each pair of a key-pairs relation: its distinct co-acting moments.

    Computed with DISTINCT and counts, which DuckDB spills to disk, rather than by aggregating the post lists,
    which it must hold in memory: at millions of pairs only the former stays within the memory limit."""
    return f"""
    SELECT aid_a, aid_b, least(count(*) FILTER (WHERE side = 0), count(*) FILTER (WHERE side = 1)) AS moments
    FROM (
      SELECT DISTINCT aid_a, aid_b, 0 AS side, pid FROM (SELECT aid_a, aid_b, unnest(pids_a) AS pid FROM {key_pairs})
      UNION ALL
      SELECT DISTINCT aid_a, aid_b, 1 AS side, pid FROM (SELECT aid_a, aid_b, unnest(pids_b) AS pid FROM {key_pairs})
    )
    GROUP BY aid_a, aid_b
    """


def _weights_sql() -> str:
    return "CASE kind " + " ".join(f"WHEN '{k}' THEN {w}" for k, w in KIND_WEIGHTS.items()) + " ELSE 1.0 END"


def compute_pairs(
    con: duckdb.DuckDBPyConnection,
    engine: CoactionEngine,
    params: CoordinationParams,
    step: StepCallback = _quiet,
    events: EventBuilder | None = None,
) -> CoordinationRun:
    """Steps 1-5: events, key pairs, rarity, chance, traces; leaves tables `events`, `key_idf`, `key_pairs`,
    `pair_stats` and `edges` in `con`."""
    step("numbering posts and accounts")
    prepare_posts(con)
    step("building co-action events")
    event_params = EventParams(
        kinds=params.kinds, min_text_chars=params.events.min_text_chars, neardup=params.events.neardup
    )
    (events or IN_DUCKDB).events_into(con, event_params, "events")
    by_kind = dict(con.execute("SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind").fetchall())
    con.execute(
        f"""
        CREATE OR REPLACE TABLE key_idf AS
        SELECT kind, key, count(DISTINCT aid) AS key_accounts,
          ln((SELECT count(*) FROM acct) / count(DISTINCT aid)) * ({_weights_sql()}) AS idf
        FROM events GROUP BY kind, key
        """
    )
    stop = con.execute(
        "SELECT count(*), coalesce(sum(key_accounts), 0) FROM key_idf "
        f"WHERE key_accounts > {int(params.max_key_accounts)}"
    ).fetchall()[0]
    if stop[0]:
        step(f"{stop[0]:,} stop keys touched by more than {params.max_key_accounts:,} accounts each are skipped")
        con.execute(
            f"DELETE FROM events WHERE (kind, key) IN "
            f"(SELECT kind, key FROM key_idf WHERE key_accounts > {int(params.max_key_accounts)})"
        )
    n_events = int(con.execute("SELECT count(*) FROM events").fetchall()[0][0])
    step(f"pairing {n_events:,} events within the windows")
    capped_events, capped_keys = _key_pairs(con, engine, "events", params, "key_pairs")
    con.execute("CREATE OR REPLACE TEMP TABLE null_keys (aid_a BIGINT, aid_b BIGINT, round INTEGER, n_keys BIGINT)")
    for round_ in range(params.null_rounds):
        step(f"chance model, round {round_ + 1} of {params.null_rounds}")
        duck.copy_arrow(con, "null_events", _shuffled_events(con, params.seed + round_))
        _key_pairs(con, engine, "null_events", params, "null_pairs")
        con.execute(
            f"INSERT INTO null_keys SELECT aid_a, aid_b, {round_}, moments FROM "
            f"({moments_sql('(SELECT * FROM null_pairs SEMI JOIN key_pairs USING (aid_a, aid_b))')}); "
            "DROP TABLE null_pairs; DROP TABLE null_events"
        )
    # Every pair gets the figures the edge test needs, from aggregates DuckDB can spill; the median gap and the
    # kinds (aggregates held in memory) only for the pairs that pass.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE pair_stats AS
        WITH moments AS ({moments_sql("key_pairs")}), per_pair AS (
          SELECT aid_a, aid_b, any_value(m.moments) AS n_keys, sum(co_actions) AS co_actions,
            -- distinct moments, each weighed by the mean rarity of the keys the pair shared
            any_value(m.moments) * sum(idf * least(len(pids_a), len(pids_b))) / sum(least(len(pids_a), len(pids_b)))
              AS weight,
            min(first_t) AS first_t, max(last_t) AS last_t,
            bool_or(kind IN ('url', 'contact', 'same_text', 'similar_text')
                    AND key_accounts <= {params.rare_key_accounts}) AS rare_destination
          FROM key_pairs JOIN key_idf USING (kind, key) JOIN moments m USING (aid_a, aid_b)
          GROUP BY aid_a, aid_b
        ), chance AS (
          SELECT aid_a, aid_b, sum(n_keys) / {max(params.null_rounds, 1)} AS null_keys FROM null_keys GROUP BY ALL
        ), activity AS (
          SELECT aid, count(*) AS posts FROM post_ref GROUP BY aid
        )
        SELECT p.*, coalesce(c.null_keys, 0) AS null_keys,
          p.n_keys / least(na.posts, nb.posts) AS affinity
        FROM per_pair p LEFT JOIN chance c USING (aid_a, aid_b)
        JOIN activity na ON na.aid = p.aid_a JOIN activity nb ON nb.aid = p.aid_b
        """
    )
    step("pair statistics and behavioural traces")
    _trace_pairs(con, params)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE edges AS
        WITH kept AS (
          SELECT * FROM pair_stats
          WHERE n_keys >= {params.min_lift} * null_keys AND affinity >= {params.min_affinity}
            AND (n_keys >= {params.min_keys} OR (affinity >= 0.5 AND rare_destination))
        ), described AS (
          SELECT aid_a, aid_b, median(min_gap) AS median_gap, string_agg(DISTINCT kind, ',' ORDER BY kind) AS kinds
          FROM key_pairs SEMI JOIN kept USING (aid_a, aid_b)
          GROUP BY aid_a, aid_b
        )
        SELECT coalesce(p.aid_a, t.aid_a) AS aid_a, coalesce(p.aid_b, t.aid_b) AS aid_b,
          coalesce(p.weight, 0) + coalesce(t.similarity * t.shared_uses, 0) AS weight,
          p.n_keys, p.null_keys, p.co_actions, p.first_t, p.last_t, d.median_gap,
          d.kinds, p.affinity, t.similarity AS trace_similarity, t.shared_uses AS trace_uses
        FROM kept p LEFT JOIN described d USING (aid_a, aid_b)
        FULL OUTER JOIN trace_pairs t USING (aid_a, aid_b)
        """
    )
    edges = int(con.execute("SELECT count(*) FROM edges").fetchall()[0][0])
    return CoordinationRun(
        con=con,
        params=params,
        events=n_events,
        events_by_kind={str(k): int(v) for k, v in by_kind.items()},
        stop_keys=int(stop[0]),
        key_pairs=int(con.execute("SELECT count(*) FROM key_pairs").fetchall()[0][0]),
        capped_events=capped_events,
        capped_keys=capped_keys,
        edges=edges,
        clusters=0,
    )


def _trace_pairs(con: duckdb.DuckDBPyConnection, params: CoordinationParams) -> None:
    """Cosine of TF-IDF account vectors, for pairs that repeatedly used the same rare keys, whenever they did.

    Proposed by `trace_min_uses` shared uses of rare keys (a key both used twice counts twice): one shared link
    is chance, the same contact pushed again and again by both is not. Domains do not propose pairs, since a
    domain only repeats its URL.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE trace_pairs AS
        WITH vec AS (
          SELECT e.aid, e.kind, e.key, count(*) AS uses, count(*) * any_value(k.idf) AS w,
            any_value(k.key_accounts) AS key_accounts
          FROM events e JOIN key_idf k USING (kind, key)
          GROUP BY e.aid, e.kind, e.key
        ), norms AS (
          SELECT aid, sqrt(sum(w * w)) AS norm FROM vec GROUP BY aid
        ), rare AS (
          SELECT * FROM vec
          WHERE key_accounts BETWEEN 2 AND {int(params.trace_max_key_accounts)} AND w > 0
            AND kind IN ('same_text', 'similar_text', 'url', 'contact', 'hashtag')
        ), dots AS (
          SELECT a.aid AS aid_a, b.aid AS aid_b, sum(a.w * b.w) AS dot, count(*) AS shared_keys,
            sum(least(a.uses, b.uses)) AS shared_uses
          FROM rare a JOIN rare b ON a.kind = b.kind AND a.key = b.key AND a.aid < b.aid
          GROUP BY a.aid, b.aid
          HAVING sum(least(a.uses, b.uses)) >= {int(params.trace_min_uses)}
        )
        SELECT aid_a, aid_b, dot / (na.norm * nb.norm) AS similarity, shared_keys, shared_uses
        FROM dots JOIN norms na ON na.aid = aid_a JOIN norms nb ON nb.aid = aid_b
        WHERE dot / (na.norm * nb.norm) >= {float(params.trace_min_similarity)}
        """
    )


def cluster_accounts(run: CoordinationRun) -> list[list[int]]:
    """Leiden communities of the edge graph, largest first, that are groups rather than chance chains.

    A community is kept when its 2-core has `min_cluster_size` members, more internal edges than members and a
    mean degree of at least `min_density` of its other members (or `dense_degree`, whichever is less): pairs that
    met by chance link up as trees, chains and sparse webs, accounts that act as one link up densely.
    """
    con, params = run.con, run.params
    rows = con.execute("SELECT aid_a, aid_b, weight FROM edges WHERE weight > 0").fetchall()
    if not rows:
        return []
    vertices = sorted({a for a, _, _ in rows} | {b for _, b, _ in rows})
    index = {v: i for i, v in enumerate(vertices)}
    graph = ig.Graph(n=len(vertices), edges=[(index[a], index[b]) for a, b, _ in rows])
    graph.es["weight"] = [float(w) for _, _, w in rows]
    partition = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=params.resolution,
        seed=params.seed,
    )
    clusters = []
    for community in partition:
        # Members hanging on by one edge (chains of chance meetings attached to a real group) are trimmed:
        # only the 2-core of the community is kept.
        sub = graph.subgraph(community)
        members = [community[i] for i, core in enumerate(sub.coreness()) if core >= 2]
        if not is_group(len(members), graph.subgraph(members).ecount(), params):
            continue
        clusters.append(sorted(vertices[i] for i in members))
    clusters.sort(key=lambda c: (-len(c), c[0]))
    return clusters


def is_group(n_members: int, internal_edges: int, params: CoordinationParams) -> bool:
    """Whether a community's core is linked densely enough to be a group (see `cluster_accounts`)."""
    if n_members < params.min_cluster_size or internal_edges < n_members:
        return False
    mean_degree = 2 * internal_edges / n_members
    return mean_degree >= min(params.dense_degree, params.min_density * (n_members - 1))


def expand_clusters(
    con: duckdb.DuckDBPyConnection, clusters: list[list[int]], params: CoordinationParams
) -> list[list[int]]:
    """Attach part-time members: accounts that, in at least `min_keys` of their own posts, co-acted with at least
    `min_keys` members of a cluster on keys that cluster owns (keys most of whose accounts are its members: its
    tag, its link, its texts, the posts it amplifies).

    A part-timer posts for the group now and then among many ordinary posts, so no single pair with a member is
    strong enough; together, its repeated co-action on the group's own keys is.
    """
    if not clusters:
        return clusters
    con.register("_members", cluster_membership(clusters))
    try:
        # Equality joins only: a join on `m.aid IN (p.aid_a, p.aid_b)` is a nested loop over key_pairs, which at
        # 10M posts has hundreds of millions of rows. The pairs on owned keys are few; each is looked at from
        # both ends.
        rows = con.execute(
            f"""
            WITH owned AS (
              SELECT m.cluster, e.kind, e.key FROM events e JOIN _members m USING (aid)
              JOIN key_idf k USING (kind, key)
              GROUP BY m.cluster, e.kind, e.key, k.key_accounts
              HAVING count(DISTINCT e.aid) * 2 >= k.key_accounts
            ), owned_pairs AS (
              SELECT o.cluster, p.aid_a, p.aid_b, p.pids_a, p.pids_b FROM key_pairs p JOIN owned o USING (kind, key)
            ), links AS (
              SELECT p.cluster, p.aid_b AS outsider, p.aid_a AS member, p.pids_b AS outsider_posts
              FROM owned_pairs p JOIN _members m ON m.aid = p.aid_a AND m.cluster = p.cluster
              UNION ALL
              SELECT p.cluster, p.aid_a, p.aid_b, p.pids_a
              FROM owned_pairs p JOIN _members m ON m.aid = p.aid_b AND m.cluster = p.cluster
            )
            SELECT outsider, arg_max(cluster, (n_posts, -cluster)) FROM (  -- ties: the lower cluster
              SELECT cluster, outsider, count(DISTINCT member) AS partners,
                len(list_distinct(flatten(list(outsider_posts)))) AS n_posts
              FROM links WHERE outsider NOT IN (SELECT aid FROM _members)
              GROUP BY cluster, outsider
              HAVING count(DISTINCT member) >= {int(params.min_keys)}
                AND len(list_distinct(flatten(list(outsider_posts)))) >= {int(params.min_keys)}
            ) GROUP BY outsider
            """
        ).fetchall()
    finally:
        con.unregister("_members")
    expanded = [list(c) for c in clusters]
    for outsider, cluster in rows:
        expanded[int(cluster)].append(int(outsider))
    return [sorted(c) for c in expanded]


def cluster_score(n_members: int, internal_edges: int, mean_weight: float) -> float:
    """How sure: dense groups whose pairs share much rare evidence score near 1; loose or thin groups low."""
    possible = n_members * (n_members - 1) / 2
    density = min(1.0, internal_edges / possible) if possible else 0.0
    return round(math.sqrt(density) * (1.0 - math.exp(-mean_weight / 10.0)), 4)


@dataclass
class CoordinationResult:
    run: CoordinationRun
    clusters: list[ClusterReport]
    accounts: pa.Table  # platform, account_id, cluster_id, score
    edges: pa.Table  # platform_a, account_a, platform_b, account_b, weight, kinds
    findings: list[Finding]

    def summary(self) -> dict[str, Any]:
        run = self.run
        return {
            "events": run.events,
            "events_by_kind": run.events_by_kind,
            "key_pairs": run.key_pairs,
            "capped_events": run.capped_events,
            "capped_keys": run.capped_keys,
            "stop_keys": run.stop_keys,
            "edges": run.edges,
            "clusters": len(self.clusters),
            "accounts_in_clusters": self.accounts.num_rows,
        }


def _edges_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        """
        SELECT a.platform AS platform_a, a.account_id AS account_a, b.platform AS platform_b, b.account_id AS account_b,
          round(e.weight, 4) AS weight,
          array_to_string(list_filter([e.kinds, CASE WHEN e.trace_similarity IS NOT NULL THEN 'trace' END],
            lambda x: x IS NOT NULL), ',') AS kinds
        FROM edges e JOIN acct a ON a.aid = e.aid_a JOIN acct b ON b.aid = e.aid_b
        WHERE e.weight > 0
        ORDER BY platform_a, account_a, platform_b, account_b
        """
    ).to_arrow_table()


def _member_scores(con: duckdb.DuckDBPyConnection, members: list[int], cluster_score_: float) -> dict[int, float]:
    """A member's score: the cluster's, scaled by how much of the cluster it is linked to."""
    degree = dict(
        con.execute(
            """
            SELECT aid, count(*) FROM (
              SELECT aid_a AS aid FROM edges WHERE aid_a IN (SELECT unnest($1)) AND aid_b IN (SELECT unnest($1))
              UNION ALL
              SELECT aid_b FROM edges WHERE aid_a IN (SELECT unnest($1)) AND aid_b IN (SELECT unnest($1))
            ) GROUP BY aid
            """,
            [members],
        ).fetchall()
    )
    others = max(1, len(members) - 1)
    return {a: round(cluster_score_ * math.sqrt(min(1.0, degree.get(a, 0) / others)), 4) for a in members}


def detect_coordination(
    con: duckdb.DuckDBPyConnection,
    engine: CoactionEngine,
    params: CoordinationParams | None = None,
    step: StepCallback = _quiet,
    events: EventBuilder | None = None,
) -> CoordinationResult:
    """The whole detector on the `posts` (and optional `accounts`) views of `con`; `step` hears each phase.
    `events` builds the co-action events elsewhere (Spark); by default DuckDB builds them in `con`."""
    params = params or CoordinationParams()
    run = compute_pairs(con, engine, params, step, events)
    step(f"clustering {run.edges:,} edges")
    clusters = expand_clusters(con, cluster_accounts(run), params)
    step(f"explaining {len(clusters)} clusters")
    reports: list[ClusterReport] = []
    rows: list[dict[str, Any]] = []
    scored = []
    for members in clusters:
        internal = con.execute(
            "SELECT count(*), avg(weight) FROM edges "
            "WHERE aid_a IN (SELECT unnest($1)) AND aid_b IN (SELECT unnest($1))",
            [members],
        ).fetchall()[0]
        scored.append((cluster_score(len(members), int(internal[0]), float(internal[1] or 0.0)), members))
    scored.sort(key=lambda item: (-item[0], -len(item[1]), item[1][0]))
    names = dict(con.execute("SELECT aid, platform || '\x1f' || account_id FROM acct").fetchall()) if scored else {}
    with cluster_scope(con, [members for _, members in scored]):
        for number, (score, members) in enumerate(scored, start=1):
            cluster_id = f"C{number:03d}"
            reports.append(explain_cluster(con, cluster_id, members, score))
            for aid, member_score in _member_scores(con, members, score).items():
                platform, account_id = str(names[aid]).split("\x1f", 1)
                rows.append(
                    {"platform": platform, "account_id": account_id, "cluster_id": cluster_id, "score": member_score}
                )
    run.clusters = len(reports)
    accounts = pa.Table.from_pylist(rows, schema=ACCOUNTS_SCHEMA) if rows else ACCOUNTS_SCHEMA.empty_table()
    findings = [to_finding(r, params) for r in reports]
    return CoordinationResult(run, reports, accounts, _edges_table(con), findings)


ACCOUNTS_SCHEMA = pa.schema(
    [("platform", pa.string()), ("account_id", pa.string()), ("cluster_id", pa.string()), ("score", pa.float64())]
)


def to_finding(report: ClusterReport, params: CoordinationParams) -> Finding:
    return Finding(
        kind="coordination_cluster",
        score=min(1.0, max(0.0, report.score)),
        subjects=tuple(Subject("account", m["platform"], m["account_id"]) for m in report.members),
        start=report.start,
        end=report.end,
        explanation=report.explanation,
        evidence={"cluster_id": report.cluster_id, **report.evidence},
        detector=DETECTOR,
        detector_version=VERSION,
        parameters=params.parameters(),
    )
