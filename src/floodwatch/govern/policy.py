"""The enforcement policy: violation types, the enforcement ladder and strike rules, read from a TOML file.

`load_policy()` reads the shipped `default_policy.toml`; `load_policy(path)` a file of your own. Every problem in a
file is reported at once, each naming its place (`actions.suspend.days: ...`), so a policy is fixed in one pass.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from floodwatch.govern.errors import GovernanceError

ACTIONS = ("warning", "label", "limit_reach", "remove_content", "restrict_posting", "suspend", "close_account")
TIMED_REQUIRED = frozenset({"restrict_posting", "suspend"})  # the ladder's "N days" rungs
TIMED_FORBIDDEN = frozenset({"warning", "remove_content", "close_account"})  # instant or permanent by nature
VIOLATIONS = (
    "coordinated_inauthentic_behaviour",
    "rumor_spreading",
    "cyber_violence",
    "doxxing",
    "traffic_diversion_fraud",
)
SUBJECT_KINDS = ("account", "post", "url", "platform")
NOTICE_KINDS = ("reminder", "interview", "rectification_order")
DEFAULT_POLICY = "default_policy.toml"


class PolicyError(GovernanceError):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the policy:\n{listing}")


@dataclass(frozen=True)
class ActionRule:
    name: str
    rank: int
    days: int | None
    requires_approval: bool
    subjects: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class ViolationRule:
    name: str
    severity: str
    findings: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Threshold:
    points: int
    action: str


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    digest: str  # SHA-256 of the file, so a decision names the exact text it applied
    decision_days: int
    appeal_window_days: int
    appeal_decision_days: int
    severities: Mapping[str, int]
    decay_days: int
    thresholds: tuple[Threshold, ...]
    actions: Mapping[str, ActionRule]
    violations: Mapping[str, ViolationRule]
    notice_days: Mapping[str, int]

    def ref(self, clause: str) -> str:
        """How an event cites the rule it applied: `default@2026.1#actions.suspend`."""
        return f"{self.name}@{self.version}#{clause}"

    def action_for_points(self, points: int) -> str | None:
        reached = [t.action for t in self.thresholds if points >= t.points]
        return reached[-1] if reached else None

    def violation_for_finding(self, kind: str) -> str | None:
        for rule in self.violations.values():
            if kind in rule.findings:
                return rule.name
        return None


class _Reader:
    """Collects problems while reading typed values out of the parsed TOML."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, Mapping):
            self.problems.append(f"{where}{key}: missing table [{where}{key}]")
            return {}
        return value

    def unknown(self, data: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
        for key in data:
            if key not in known:
                self.problems.append(f"{where}{key}: unknown key (known here: {', '.join(known)})")

    def positive(self, data: Mapping[str, Any], key: str, where: str, required: bool = True) -> int | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problems.append(f"{where}{key}: missing (a positive whole number)")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.problems.append(f"{where}{key}: must be a positive whole number, got {value!r}")
            return None
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where}{key}: must be a non-empty string, got {value!r}")
            return ""
        return value

    def strings(
        self, data: Mapping[str, Any], key: str, where: str, allowed: tuple[str, ...] | None
    ) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{where}{key}: must be a list of strings, got {value!r}")
            return ()
        if allowed is not None:
            for v in value:
                if v not in allowed:
                    self.problems.append(f"{where}{key}: unknown {v!r} (choose from {', '.join(allowed)})")
        return tuple(value)


def _actions(r: _Reader, data: Mapping[str, Any]) -> dict[str, ActionRule]:
    table = r.table(data, "actions", "")
    for name in table:
        if name not in ACTIONS:
            r.problems.append(f"actions.{name}: unknown action (the ladder is: {', '.join(ACTIONS)})")
    for name in ACTIONS:
        if name not in table:
            r.problems.append(f"actions.{name}: missing; the policy must define every rung: {', '.join(ACTIONS)}")
    rules: dict[str, ActionRule] = {}
    for name in (n for n in ACTIONS if isinstance(table.get(n), Mapping)):
        where = f"actions.{name}."
        entry = table[name]
        r.unknown(entry, ("rank", "days", "requires_approval", "subjects", "description"), where)
        rank = r.positive(entry, "rank", where)
        days = r.positive(entry, "days", where, required=name in TIMED_REQUIRED)
        if name in TIMED_FORBIDDEN and "days" in entry:
            r.problems.append(f"{where}days: {name} is not timed and takes no days")
        approval = entry.get("requires_approval", False)
        if not isinstance(approval, bool):
            r.problems.append(f"{where}requires_approval: must be true or false, got {approval!r}")
        subjects = r.strings(entry, "subjects", where, SUBJECT_KINDS)
        if not subjects and isinstance(entry.get("subjects", []), list):
            r.problems.append(f"{where}subjects: name at least one of {', '.join(SUBJECT_KINDS)}")
        description = r.text(entry, "description", where, default=name)
        rules[name] = ActionRule(name, rank or 0, days, approval is True, subjects, description)
    ranks: dict[int, str] = {}
    for rule in rules.values():
        if rule.rank and rule.rank in ranks:
            r.problems.append(f"actions.{rule.name}.rank: {rule.rank} is also the rank of {ranks[rule.rank]}")
        ranks[rule.rank] = rule.name
    return rules


def _strikes(r: _Reader, data: Mapping[str, Any], actions: Mapping[str, ActionRule]) -> tuple[int, list[Threshold]]:
    table = r.table(data, "strikes", "")
    r.unknown(table, ("decay_days", "thresholds"), "strikes.")
    decay = r.positive(table, "decay_days", "strikes.") or 0
    raw = table.get("thresholds")
    if not isinstance(raw, list) or not raw:
        r.problems.append("strikes.thresholds: missing; give at least one [[strikes.thresholds]] rung")
        return decay, []
    thresholds: list[Threshold] = []
    for i, entry in enumerate(raw):
        where = f"strikes.thresholds[{i}]."
        if not isinstance(entry, Mapping):
            r.problems.append(f"strikes.thresholds[{i}]: must be a table with points and action")
            continue
        r.unknown(entry, ("points", "action"), where)
        points = r.positive(entry, "points", where)
        action = entry.get("action")
        if action not in ACTIONS:
            r.problems.append(f"{where}action: unknown action {action!r} (choose from {', '.join(ACTIONS)})")
            continue
        if points is None:
            continue
        if thresholds:
            before = thresholds[-1]
            if points <= before.points:
                r.problems.append(f"{where}points: {points} must be above the rung before it ({before.points})")
            elif action in actions and before.action in actions and actions[action].rank < actions[before.action].rank:
                r.problems.append(
                    f"{where}action: {action} is milder than the rung before it ({before.action}); "
                    "more points must never bring a milder action"
                )
        thresholds.append(Threshold(points, str(action)))
    return decay, thresholds


def _violations(r: _Reader, data: Mapping[str, Any], severities: Mapping[str, int]) -> dict[str, ViolationRule]:
    table = r.table(data, "violations", "")
    for name in VIOLATIONS:
        if name not in table:
            r.problems.append(f"violations.{name}: missing (every policy defines: {', '.join(VIOLATIONS)})")
    rules: dict[str, ViolationRule] = {}
    owner: dict[str, str] = {}
    for name, entry in table.items():
        where = f"violations.{name}."
        if not isinstance(entry, Mapping):
            r.problems.append(f"violations.{name}: must be a table")
            continue
        r.unknown(entry, ("severity", "findings", "description"), where)
        severity = entry.get("severity")
        if severity not in severities:
            r.problems.append(f"{where}severity: unknown severity {severity!r} (defined: {', '.join(severities)})")
        findings = r.strings(entry, "findings", where, None)
        for kind in findings:
            if kind in owner:
                r.problems.append(f"{where}findings: {kind!r} already maps to {owner[kind]}")
            owner[kind] = name
        rules[name] = ViolationRule(name, str(severity), findings, r.text(entry, "description", where, default=name))
    return rules


def parse_policy(text: str, source: str = "policy") -> Policy:
    """A validated Policy from TOML text, or a PolicyError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, [f"not valid TOML: {exc}"]) from None
    r = _Reader()
    r.unknown(data, ("name", "version", "review", "severities", "strikes", "actions", "violations", "oversight"), "")
    name = r.text(data, "name", "")
    version = r.text(data, "version", "")
    review = r.table(data, "review", "")
    r.unknown(review, ("decision_days", "appeal_window_days", "appeal_decision_days"), "review.")
    decision = r.positive(review, "decision_days", "review.") or 0
    window = r.positive(review, "appeal_window_days", "review.") or 0
    appeal = r.positive(review, "appeal_decision_days", "review.") or 0
    severity_table = r.table(data, "severities", "")
    if not severity_table and "severities" in data:
        r.problems.append("severities: name at least one severity, e.g. low = 1")
    severities = {k: r.positive(severity_table, k, "severities.") or 0 for k in severity_table}
    actions = _actions(r, data)
    decay, thresholds = _strikes(r, data, actions)
    violations = _violations(r, data, severities)
    oversight = r.table(data, "oversight", "")
    known_notice_keys = tuple(f"{k}_days" for k in NOTICE_KINDS)
    r.unknown(oversight, known_notice_keys, "oversight.")
    notice_days = {k: r.positive(oversight, f"{k}_days", "oversight.") or 0 for k in NOTICE_KINDS}
    if r.problems:
        raise PolicyError(source, r.problems)
    return Policy(
        name=name,
        version=version,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        decision_days=decision,
        appeal_window_days=window,
        appeal_decision_days=appeal,
        severities=severities,
        decay_days=decay,
        thresholds=tuple(thresholds),
        actions=actions,
        violations=violations,
        notice_days=notice_days,
    )


def load_policy(path: Path | None = None) -> Policy:
    """The policy in `path`, or the default that ships with floodwatch."""
    if path is None:
        text = resources.files("floodwatch.govern").joinpath(DEFAULT_POLICY).read_text(encoding="utf-8")
        return parse_policy(text, DEFAULT_POLICY)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), [f"cannot read the file: {exc}"]) from None
    return parse_policy(text, str(path))
