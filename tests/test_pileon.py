"""Pile-ons: a mob turning on one person is found; a friendly viral moment and steady criticism are not."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from floodwatch.detect.abuse import AbuseModel
from floodwatch.detect.pileon import PileOnParams, detect_pile_ons, hostility_scorer, lexicon_scorer
from floodwatch.store.events import EventStore

from .conftest import load

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
INSULTS = lexicon_scorer(["idiot", "loser", "moron"])


def write_posts(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def post(pid: str, account: str, minutes: float, text: str, **extra: object) -> dict[str, object]:
    return {
        "platform": "x",
        "post_id": pid,
        "account_id": account,
        "created_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "text": text,
        **extra,
    }


def crowd(n: int, prefix: str, start: float, text: str, reply_to: str | None, spacing: float = 2.0) -> list[dict]:
    rows = []
    for i in range(n):
        extra: dict[str, object] = {"reply_to": reply_to} if reply_to else {"mentions": ["victim"]}
        body = text if reply_to else f"@victim {text}"
        rows.append(post(f"{prefix}{i}", f"{prefix}_acct{i}", start + i * spacing, body, **extra))
    return rows


def findings_for(store: EventStore, rows: list[dict], tmp_path: Path, **params: object):
    load(store, write_posts(tmp_path / "posts.jsonl", rows))
    con = store.connect()
    try:
        return detect_pile_ons(con, INSULTS, PileOnParams(**params))  # type: ignore[arg-type]
    finally:
        con.close()


def test_mob_of_replies_and_mentions_is_a_pile_on(store: EventStore, tmp_path: Path) -> None:
    rows = [post("root", "victim", 0, "my first cake!")]
    rows += crowd(8, "r", 5, "what an idiot", "root")
    rows += crowd(6, "m", 6, "absolute moron", None)
    rows += crowd(4, "f", 7, "looks tasty", "root")  # some kind replies in the same window
    rows.append(post("late", "later_fan", 60 * 24 * 3, "@victim nice", mentions=["victim"]))
    [found] = findings_for(store, rows, tmp_path)
    ev = found.evidence
    assert found.kind == "pile_on"
    assert ev["target"]["account_id"] == "victim" and ev["target"]["posts"] == ("root",)
    assert ev["attackers"] == 18 and ev["abusive_accounts"] == 14
    assert ev["hostile_share"] == pytest.approx(14 / 18, abs=1e-4)
    assert ev["via"] == {"reply": 12, "mention": 6}
    assert found.subjects[0].id == "victim" and len(found.subjects) == 1 + 14
    assert sum(ev["timeline"]["counts"]) == 18  # the late fan is outside the window
    assert "18 distinct accounts" in found.explanation


def test_friendly_viral_replies_are_not_a_pile_on(store: EventStore, tmp_path: Path) -> None:
    rows = [post("root", "victim", 0, "my first cake!")]
    rows += crowd(60, "f", 1, "looks tasty, congrats", "root", spacing=0.5)
    assert findings_for(store, rows, tmp_path) == []


def test_too_few_attackers_or_spread_over_days_is_not_a_pile_on(store: EventStore, tmp_path: Path) -> None:
    rows = [post("root", "victim", 0, "hello")]
    rows += crowd(12, "s", 1, "what an idiot", "root", spacing=60 * 8)  # one insult every 8 hours
    assert findings_for(store, rows, tmp_path) == []
    assert findings_for(EventStore(tmp_path / "s2"), rows, tmp_path, window=timedelta(days=5)) != []


def test_steady_stream_at_a_public_figure_needs_a_real_surge(store: EventStore, tmp_path: Path) -> None:
    # 12 hostile replies in every 2-hour window for four days: the usual rate, not a surge
    rows = [post("root", "mayor", 0, "policy update")]
    for day_window in range(48):
        for i in range(12):
            acct = f"c{day_window}_{i}"
            rows.append(post(f"p{day_window}_{i}", acct, day_window * 120 + i * 5, "idiot", reply_to="root"))
    rows = [{**r, "mentions": []} for r in rows]
    found = findings_for(store, rows, tmp_path)
    assert found == []


def test_coordinated_attackers_are_reported_and_raise_the_score(store: EventStore, tmp_path: Path) -> None:
    rows = [post("root", "victim", 0, "hello")]
    rows += crowd(20, "r", 1, "what an idiot", "root")
    load(store, write_posts(tmp_path / "posts.jsonl", rows))
    clusters = pa.table(
        {"platform": ["x"] * 10, "account_id": [f"r_acct{i}" for i in range(10)], "cluster_id": ["c7"] * 10}
    )
    con = store.connect()
    plain = detect_pile_ons(con, INSULTS)[0]
    organised = detect_pile_ons(con, INSULTS, coordinated=clusters)[0]
    con.close()
    assert organised.evidence["coordinated_share"] == 0.5 and organised.evidence["clusters"] == {"c7": 10}
    assert organised.score > plain.score
    assert "coordinated clusters c7" in organised.explanation


def test_simulated_pile_ons_found_and_decoys_left_alone(simulated: tuple[Path, EventStore]) -> None:
    sim_dir, world = simulated
    with (sim_dir / "truth" / "targets.csv").open() as fh:
        roles = [(r["platform"], r["account_id"], r["role"]) for r in csv.DictReader(fh)]
    victims = {(p, a) for p, a, role in roles if role == "victim"}
    decoys = {(p, a) for p, a, role in roles if role in ("friendly_target", "viral_author")} - victims
    assert victims and decoys
    con = world.connect()
    found = {
        (f.subjects[0].platform, f.subjects[0].id) for f in detect_pile_ons(con, hostility_scorer(AbuseModel.load()))
    }
    con.close()
    assert victims <= found
    assert not (found & decoys)


def test_reposts_naming_their_author_are_not_inbound(store: EventStore, tmp_path: Path) -> None:
    rows = [post("root", "victim", 0, "my day was awful, what an idiot I am")]
    for i in range(30):
        rows.append(
            post(
                f"rt{i}",
                f"fan{i}",
                1 + i,
                "RT @victim: my day was awful, what an idiot I am",
                repost_of="root",
                mentions=["victim"],
            )
        )
    assert findings_for(store, rows, tmp_path) == []
