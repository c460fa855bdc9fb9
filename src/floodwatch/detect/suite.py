"""Every detector over one event store, in the order their inputs need: the `detect all` of the CLI and the demo.

coordination ─┬─► manufactured trends (who carries a burst: coordinated accounts)
              └─► pile-ons (the coordinated share of the attackers)
claim matching ─► rumor cascades (the matched posts seed the spread trees) and trends per claim
doxxing (on its own)

Each detector's findings come back separately, with its run time, so a caller can log, print and score them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from floodwatch.detect.abuse import AbuseModel
from floodwatch.detect.cascades import CascadeParams, rumor_cascade_findings
from floodwatch.detect.claim_match import MatchParams, match_store, rumor_match_findings
from floodwatch.detect.claims import ClaimStore
from floodwatch.detect.coordination import CoordinationParams, CoordinationResult, detect_coordination
from floodwatch.detect.doxxing import REQUIRED_COLUMNS, AuthorLookup, DoxxingParams, detect_doxxing
from floodwatch.detect.names import DETECTORS
from floodwatch.detect.pileon import PileOnParams, detect_pile_ons, hostility_scorer
from floodwatch.detect.trends import TrendParams, detect_trends
from floodwatch.engines.base import CoactionEngine
from floodwatch.engines.duckdb import DuckDBEngine
from floodwatch.schema import Finding

Step = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class SuiteParams:
    coordination: CoordinationParams = field(default_factory=CoordinationParams)
    claims: MatchParams = field(default_factory=MatchParams)
    cascades: CascadeParams = field(default_factory=CascadeParams)
    trends: TrendParams = field(default_factory=TrendParams)
    pile_ons: PileOnParams = field(default_factory=PileOnParams)
    doxxing: DoxxingParams = field(default_factory=DoxxingParams)
    detectors: tuple[str, ...] = DETECTORS
    abuse_model: Path | None = None  # None: the model shipped in the package

    def __post_init__(self) -> None:
        unknown = sorted(set(self.detectors) - set(DETECTORS))
        if unknown:
            raise ValueError(f"unknown detectors {unknown}; choose from {', '.join(DETECTORS)}")


@dataclass
class SuiteResult:
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # by detector, in run order
    seconds: dict[str, float] = field(default_factory=dict)
    coordination: CoordinationResult | None = None
    claim_matches: pa.Table | None = None
    notes: list[str] = field(default_factory=list)  # detectors skipped and why

    def all_findings(self) -> list[Finding]:
        return [f for found in self.findings.values() for f in found]


def run_suite(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    params: SuiteParams | None = None,
    engine: CoactionEngine | None = None,
    step: Step = _quiet,
) -> SuiteResult:
    """Run the chosen detectors on the `posts` and `accounts` views of `con` (the store at `data_dir`)."""
    params = params or SuiteParams()
    wanted = set(params.detectors)
    result = SuiteResult()

    def timed(name: str, run: Callable[[], list[Finding]]) -> None:
        step(name.replace("_", "-"))
        started = time.monotonic()
        result.findings[name] = run()
        result.seconds[name] = round(time.monotonic() - started, 2)

    coordinated: pa.Table | None = None
    if "coordination" in wanted:

        def coordination() -> list[Finding]:
            result.coordination = detect_coordination(con, engine or DuckDBEngine(con), params.coordination, step)
            return list(result.coordination.findings)

        timed("coordination", coordination)
        assert result.coordination is not None
        coordinated = result.coordination.accounts

    claims = ClaimStore(data_dir).table()
    if wanted & {"claims", "cascades"} and claims.num_rows == 0:
        result.notes.append("no debunked claims in the store (floodwatch claims import FILE): claims, cascades skipped")
    elif wanted & {"claims", "cascades"}:
        result.claim_matches = match_store(con, claims, params.claims)
        if "claims" in wanted:
            timed("claims", lambda: rumor_match_findings(result.claim_matches, claims, params.claims))
        if "cascades" in wanted:
            spreading = result.claim_matches.filter(pc.equal(result.claim_matches.column("stance"), "spread"))
            timed("cascades", lambda: rumor_cascade_findings(con, spreading, params.cascades))

    if "trends" in wanted:
        topics = None
        if result.claim_matches is not None and result.claim_matches.num_rows:
            topics = result.claim_matches.select(["platform", "post_id", "claim_id"]).rename_columns(
                ["platform", "post_id", "topic"]
            )
        timed("trends", lambda: detect_trends(con, params.trends, coordinated, topics).findings)

    if "pile_ons" in wanted:
        hostile = hostility_scorer(AbuseModel.load(params.abuse_model))
        timed("pile_ons", lambda: detect_pile_ons(con, hostile, params.pile_ons, coordinated))

    if "doxxing" in wanted:
        # Streamed in batches from a cursor of its own: only posts with personal data are kept in memory.
        posts = con.cursor().sql(f"SELECT {', '.join(REQUIRED_COLUMNS)} FROM posts").to_arrow_reader()
        timed("doxxing", lambda: detect_doxxing(posts, params.doxxing, authors_of=_store_authors(con)))
    return result


def _store_authors(con: duckdb.DuckDBPyConnection) -> AuthorLookup:
    """The doxxing detector's author lookup, as a query of the store."""

    def lookup(wanted: list[tuple[str, str]]) -> pa.Table:
        con.register("_wanted_posts", pa.table({"platform": [p for p, _ in wanted], "post_id": [i for _, i in wanted]}))
        try:
            return con.sql(
                "SELECT platform, post_id, account_id FROM posts SEMI JOIN _wanted_posts USING (platform, post_id)"
            ).to_arrow_table()
        finally:
            con.unregister("_wanted_posts")

    return lookup
