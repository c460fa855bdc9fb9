"""The policy file: the default is valid, each mistake is reported with its place, and the ladder is applied."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from floodwatch.govern.cases import SubjectRef, open_case, start_review
from floodwatch.govern.db import transaction
from floodwatch.govern.enforcement import decide, recommend
from floodwatch.govern.policy import ACTIONS, VIOLATIONS, Policy, PolicyError, load_policy, parse_policy
from tests.govern.conftest import T0

DEFAULT = (Path(__file__).resolve().parents[2] / "src/floodwatch/govern/default_policy.toml").read_text("utf-8")


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "test.toml")
    assert str(caught.value).startswith("test.toml: ")
    return caught.value.problems


def test_the_default_policy_defines_every_violation_and_every_rung(policy: Policy) -> None:
    assert set(policy.violations) == set(VIOLATIONS)
    assert list(policy.actions) == list(ACTIONS)
    assert policy.actions["suspend"].requires_approval and policy.actions["close_account"].requires_approval
    assert policy.actions["restrict_posting"].days == 7 and policy.actions["close_account"].days is None
    assert policy.digest == parse_policy(DEFAULT).digest


@given(st.integers(0, 200), st.integers(0, 200))
def test_more_points_never_bring_a_milder_action(a: int, b: int) -> None:
    policy = load_policy()
    low, high = sorted((a, b))
    rank = {name: rule.rank for name, rule in policy.actions.items()}
    before, after = policy.action_for_points(low), policy.action_for_points(high)
    if before is not None:
        assert after is not None and rank[after] >= rank[before]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("rank = 6\ndays = 30", "rank = 6\ndays = -3", "actions.suspend.days: must be a positive whole number, got -3"),
        ("rank = 6\ndays = 30", "rank = 6", "actions.suspend.days: missing (a positive whole number)"),
        (
            "rank = 7\n",
            "rank = 7\ndays = 5\n",
            "actions.close_account.days: close_account is not timed and takes no days",
        ),
        ("[actions.warning]", "[actions.ban]\nrank = 9\n[actions.warning]", "actions.ban: unknown action"),
        ("rank = 2\n", "rank = 1\n", "actions.label.rank: 1 is also the rank of warning"),
        ('severity = "medium"', 'severity = "moderate"', "violations.rumor_spreading.severity: unknown severity"),
        ("[violations.doxxing]", "[violations.doxing]", "violations.doxxing: missing"),
        ("points = 4\n", "points = 2\n", "strikes.thresholds[2].points: 2 must be above the rung before it (2)"),
        ('action = "suspend"', 'action = "label"', "strikes.thresholds[4].action: label is milder than the rung"),
        ('action = "warning"', 'action = "shout"', "strikes.thresholds[0].action: unknown action 'shout'"),
        ("decay_days = 180", "decay_days = true", "strikes.decay_days: must be a positive whole number, got True"),
        ('subjects = ["post", "url"]', 'subjects = ["tweet"]', "actions.remove_content.subjects: unknown 'tweet'"),
        (
            "requires_approval = true\nsubjects",
            'requires_approval = "yes"\nsubjects',
            "requires_approval: must be true",
        ),
        ('name = "default"', 'name = "default"\ncolour = "red"', "colour: unknown key"),
        (
            "interview_days = 5",
            "interview_days = 0",
            "oversight.interview_days: must be a positive whole number, got 0",
        ),
        ("[review]", "[reveiw]", "review: missing table [review]"),
    ],
)
def test_each_mistake_is_named_with_its_place(old: str, new: str, expected: str) -> None:
    assert old in DEFAULT, old
    problems = problems_of(DEFAULT.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_all_problems_are_reported_at_once_and_bad_toml_says_where() -> None:
    text = DEFAULT.replace("decay_days = 180", "decay_days = -1").replace("low = 1", "low = 0")
    problems = problems_of(text)
    assert (
        len(problems) == 2 and any("decay_days" in p for p in problems) and any("severities.low" in p for p in problems)
    )
    (problem,) = problems_of('name = "x"\nversion = = 2')
    assert problem.startswith("not valid TOML") and "line 2" in problem


def test_a_policy_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the file"):
        load_policy(tmp_path / "missing.toml")
    own = tmp_path / "own.toml"
    own.write_text(DEFAULT.replace('version = "2026.1"', 'version = "local-3"'), encoding="utf-8")
    assert load_policy(own).ref("actions.suspend") == "default@local-3#actions.suspend"


def test_the_ladder_climbs_with_strikes_and_decisions_cite_the_policy(engine: Engine, policy: Policy) -> None:
    account = SubjectRef("account", "weibo", "u1")
    seen = []
    for i in range(3):
        now = T0 + timedelta(days=i)
        with transaction(engine) as s:
            case = open_case(s, "ana", policy, title=f"t{i}", subjects=[account], violation="cyber_violence", now=now)
            start_review(s, case.id, "ben", now=now)
            seen.append([spec.action for spec in recommend(s, case, policy, now)])
            decision = decide(s, case.id, "ben", policy, outcome="violation", reason="abuse", now=now)
            assert decision.case.events[-3].policy_ref == "default@2026.1#violations.cyber_violence"
    # high severity = 4 points a case: 4 -> limit_reach, 8 -> suspend, 12 -> suspend (16 closes)
    assert seen == [["limit_reach"], ["suspend"], ["suspend"]]
