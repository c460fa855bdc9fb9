"""A transparency report's figures, computed from the governance event log and the findings log, and nothing else.

The scope is a period [start, end) or a campaign (its period, platforms and violation types, as `campaign_stats`
scopes it). Every figure counts events whose time falls in [start, until), until = min(end, now), of cases in
scope; states "at the end" are the govern folds of the events before `until`, so a report rerun later for the
same closed period gives the same numbers. Findings count in the period their evidence starts in, so reports of
consecutive periods add up.

Free text is cleaned here, by the report's `Redactor` (ids → pseudonyms, personal data masked), before it is
stored in a figure: nothing built by this module needs cleaning again, whichever page shows it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from floodwatch.govern.appeals import Appeal, list_appeals
from floodwatch.govern.campaigns import CLOSING_EVENTS, CampaignStats, campaign_stats, list_campaigns, load_campaign
from floodwatch.govern.cases import Case, SubjectRef, fold_case, list_cases, now_or
from floodwatch.govern.enforcement import Action, fold_action, list_actions
from floodwatch.govern.events import Event, EventLog
from floodwatch.govern.oversight import Notice, fold_notice, list_notices
from floodwatch.govern.policy import Policy
from floodwatch.report.privacy import PSEUDONYM_KINDS, Redactor, typical_case_labels

MAX_DECISIONS_LISTED = 50
# Delay bins (hours): a time to action spans minutes to months, so the bins widen like the questions people ask.
DELAY_BINS: tuple[tuple[float, str], ...] = (
    (1, "under 1 hour"),
    (6, "1–6 hours"),
    (24, "6–24 hours"),
    (72, "1–3 days"),
    (168, "3–7 days"),
    (336, "7–14 days"),
    (720, "14–30 days"),
    (float("inf"), "30 days or more"),
)


@dataclass(frozen=True)
class Scope:
    """What a report covers: [start, end), optionally only some platforms and violation types."""

    title: str
    start: datetime
    end: datetime
    platforms: tuple[str, ...] = ()
    violations: tuple[str, ...] = ()
    campaign: str | None = None

    def on_platforms(self, platforms: Iterable[str]) -> bool:
        return not self.platforms or bool(set(platforms) & set(self.platforms))

    def covers_case(self, case: Case) -> bool:
        """As campaign_stats: a subject on a scoped platform, and the violation (decided, else opened) scoped."""
        return self.on_platforms(case.platforms) and (not self.violations or case.violation in self.violations)

    def covers_finding(self, finding: Mapping[str, Any], policy: Policy) -> bool:
        platforms = {str(s["platform"]) for s in finding.get("subjects", []) if s.get("platform")}
        violation = policy.violation_for_finding(str(finding.get("kind")))
        return self.on_platforms(platforms) and (not self.violations or violation in self.violations)


def period_scope(first: date, last: date) -> Scope:
    """Whole days `first` to `last`, both included, in UTC."""
    if last < first:
        raise ValueError(f"the period ends ({last}) before it starts ({first})")
    start = datetime.combine(first, time(), tzinfo=UTC)
    return Scope(f"{first.isoformat()} to {last.isoformat()}", start, start + timedelta(days=(last - first).days + 1))


def campaign_scope(session: Session, slug: str) -> Scope:
    campaign = load_campaign(session, slug)
    return Scope(
        campaign.name,
        campaign.start,
        campaign.end,
        tuple(campaign.platforms),
        tuple(campaign.violations),
        campaign.slug,
    )


# --- the figures -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingExample:
    kind: str
    detector: str
    score: float
    platforms: list[str]
    first_day: str
    last_day: str
    explanation: str  # cleaned


@dataclass
class FindingFigures:
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_platform: dict[str, int] = field(default_factory=dict)
    detectors: dict[str, list[str]] = field(default_factory=dict)  # detector → versions seen
    examples: list[FindingExample] = field(default_factory=list)  # the strongest finding of each kind


@dataclass(frozen=True)
class Delay:
    """A distribution of delays in hours; `excluded` were negative (records dated before what they follow)."""

    count: int
    median_hours: float | None
    p90_hours: float | None
    bins: dict[str, int]
    excluded: int


@dataclass(frozen=True)
class DecisionRow:
    case: str
    decided_on: str
    title: str  # cleaned
    violation: str
    outcome: str
    actions: dict[str, int]
    appeal: str  # "", "pending", "upheld", "overturned"


@dataclass
class CaseFigures:
    opened: int = 0
    decided: int = 0
    violations: int = 0
    no_violation: int = 0
    closed: int = 0
    referred: int = 0
    overdue: int = 0
    open_at_end: int = 0
    opened_by_violation: dict[str, int] = field(default_factory=dict)
    finding_to_case: Delay = field(default_factory=lambda: delay_figures([], 0))
    case_to_decision: Delay = field(default_factory=lambda: delay_figures([], 0))
    decisions: list[DecisionRow] = field(default_factory=list)  # the latest MAX_DECISIONS_LISTED
    decisions_not_listed: int = 0


@dataclass
class ActionFigures:
    took_effect: dict[str, int] = field(default_factory=dict)  # by rung, in ladder order
    reversed: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    awaiting_approval: int = 0
    accounts_actioned: int = 0
    items_removed: int = 0

    @property
    def rungs(self) -> list[str]:
        return [r for r in self.took_effect if self.took_effect[r] or self.reversed[r] or self.rejected[r]]


@dataclass
class AppealFigures:
    filed: int = 0
    decided: int = 0
    upheld: int = 0
    overturned: int = 0
    open_at_end: int = 0
    actions_reversed: int = 0

    @property
    def overturn_rate(self) -> float | None:
        return self.overturned / self.decided if self.decided else None


@dataclass(frozen=True)
class NoticeRow:
    id: str
    platform: str
    kind: str  # as issued
    level: str  # at the end, after escalations
    issued_on: str
    deadline: str
    status: str  # answered, answered late, awaiting, overdue, referred
    escalations: int
    late: bool
    hours_to_response: float | None
    about: str  # cleaned
    response: str  # cleaned


@dataclass(frozen=True)
class PlatformResponse:
    platform: str
    notices: int
    answered: int
    late: int
    escalated: int
    median_hours_to_response: float | None


NOTICE_OUTCOMES = ("answered on time", "answered late", "unanswered")


@dataclass
class NoticeFigures:
    issued: int = 0
    late: int = 0
    escalated: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)  # kind as issued → NOTICE_OUTCOMES counts
    platforms: list[PlatformResponse] = field(default_factory=list)
    notices: list[NoticeRow] = field(default_factory=list)


@dataclass(frozen=True)
class TypicalCase:
    published_on: str
    violation: str
    description: str  # cleaned
    severity: str
    platforms: list[str]
    subjects: dict[str, int]
    evidence_period: list[str] | None
    what_was_found: list[str]  # cleaned
    actions: dict[str, int]
    actions_reversed: int
    appealed: bool
    decided_on: str | None


@dataclass
class ReportFigures:
    scope: Scope
    until: datetime  # min(scope end, now): the figures are as of this moment
    generated_at: datetime
    audit_head: tuple[int, str]
    findings: FindingFigures
    cases: CaseFigures
    actions: ActionFigures
    appeals: AppealFigures
    notices: NoticeFigures
    campaigns: list[CampaignStats]
    typical_cases: list[TypicalCase]
    pseudonyms: int


# --- computing them --------------------------------------------------------------------------------------------


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def delay_figures(hours: Sequence[float], excluded: int) -> Delay:
    bins = dict.fromkeys((label for _, label in DELAY_BINS), 0)
    for h in hours:
        bins[next(label for upper, label in DELAY_BINS if h < upper)] += 1
    if not hours:
        return Delay(0, None, None, bins, excluded)
    median, p90 = np.percentile(np.asarray(hours, dtype=float), [50, 90])
    return Delay(len(hours), round(float(median), 1), round(float(p90), 1), bins, excluded)


class _Window:
    """[start, until): which events count, and each stream's events before `until` (its state at the end)."""

    def __init__(self, start: datetime, until: datetime) -> None:
        self.start, self.until = start, until

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.until

    def during(self, events: Iterable[Event]) -> list[Event]:
        return [e for e in events if e.time in self]

    def before_end(self, events: Iterable[Event]) -> list[Event]:
        return [e for e in events if e.time < self.until]


def _subjects_of_finding(finding: Mapping[str, Any]) -> list[SubjectRef]:
    return [
        SubjectRef(str(s["kind"]), s.get("platform"), str(s["id"]))
        for s in finding.get("subjects", [])
        if s.get("kind") in PSEUDONYM_KINDS and s.get("id")
    ]


def finding_figures(findings: Sequence[Mapping[str, Any]], redactor: Redactor) -> FindingFigures:
    figures = FindingFigures(total=len(findings))
    kinds: Counter[str] = Counter()
    platforms: Counter[str] = Counter()
    detectors: dict[str, set[str]] = defaultdict(set)
    strongest: dict[str, Mapping[str, Any]] = {}
    for f in findings:
        kind = str(f["kind"])
        kinds[kind] += 1
        platforms.update({str(s["platform"]) for s in f.get("subjects", []) if s.get("platform")})
        detectors[str(f.get("detector"))].add(str(f.get("detector_version")))
        best = strongest.get(kind)
        if best is None or (-float(f["score"]), f["start"], f["id"]) < (
            -float(best["score"]),
            best["start"],
            best["id"],
        ):
            strongest[kind] = f
    figures.by_kind = dict(kinds.most_common())
    figures.by_platform = dict(platforms.most_common())
    figures.detectors = {d: sorted(v) for d, v in sorted(detectors.items())}
    redactor.prefetch(str(f.get("explanation", "")) for f in strongest.values())
    for kind in figures.by_kind:
        f = strongest[kind]
        figures.examples.append(
            FindingExample(
                kind,
                str(f.get("detector")),
                float(f["score"]),
                sorted({str(s["platform"]) for s in f.get("subjects", []) if s.get("platform")}),
                datetime.fromisoformat(f["start"]).date().isoformat(),
                datetime.fromisoformat(f["end"]).date().isoformat(),
                redactor.clean(str(f.get("explanation", "")), _subjects_of_finding(f)),
            )
        )
    return figures


def case_figures(
    cases: Sequence[Case], actions: Mapping[str, Action], appeals: Mapping[str, Appeal], w: _Window, r: Redactor
) -> CaseFigures:
    figures = CaseFigures()
    by_violation: Counter[str] = Counter()
    to_case: list[float] = []
    to_decision: list[float] = []
    negative_to_case = 0
    decided: list[tuple[Event, Case]] = []
    for case in cases:
        for e in w.during(case.events):
            if e.type == "case.opened":
                figures.opened += 1
                by_violation[case.violation or "unspecified"] += 1
                ends = [datetime.fromisoformat(f["end"]) for f in e.payload.get("findings", []) if f.get("end")]
                if ends:
                    delay = _hours(e.time - max(ends))
                    if delay < 0:
                        negative_to_case += 1
                    else:
                        to_case.append(delay)
            elif e.type == "case.decided":
                figures.decided += 1
                figures.violations += e.payload["outcome"] == "violation"
                figures.no_violation += e.payload["outcome"] != "violation"
                if case.opened_at is not None:
                    to_decision.append(_hours(e.time - case.opened_at))
                decided.append((e, case))
            elif e.type in CLOSING_EVENTS:
                figures.closed += 1
            elif e.type == "case.referred":
                figures.referred += 1
            elif e.type == "case.overdue":
                figures.overdue += 1
        if case.opened_at is not None and case.opened_at < w.until:
            at_end = fold_case(case.id, w.before_end(case.events))
            figures.open_at_end += at_end.state in ("open", "in_review")
    figures.opened_by_violation = dict(by_violation.most_common())
    figures.finding_to_case = delay_figures(to_case, negative_to_case)
    figures.case_to_decision = delay_figures(to_decision, 0)
    decided.sort(key=lambda pair: pair[0].seq, reverse=True)
    listed = decided[:MAX_DECISIONS_LISTED]
    figures.decisions_not_listed = len(decided) - len(listed)
    r.prefetch(case.title for _, case in listed)
    for e, case in listed:
        appeal = ""
        for appeal_id in case.appeals:
            found = appeals.get(appeal_id)
            if found is not None and found.filed_at is not None and found.filed_at < w.until:
                decided_in_time = found.decided_at is not None and found.decided_at < w.until
                appeal = found.state if decided_in_time else "pending"
        rungs = Counter(actions[a].action for a in case.actions if a in actions)
        figures.decisions.append(
            DecisionRow(
                case.id,
                e.time.date().isoformat(),
                r.clean(case.title, [*case.subjects, *case.protected]),
                e.payload.get("violation") or "",
                e.payload["outcome"],
                dict(sorted(rungs.items())),
                appeal,
            )
        )
    return figures


def action_figures(actions: Sequence[Action], policy: Policy, w: _Window) -> ActionFigures:
    ladder = sorted(policy.actions, key=lambda name: policy.actions[name].rank)
    took: Counter[str] = Counter()
    undone: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    accounts: set[str] = set()
    removed: set[str] = set()
    awaiting = 0
    for action in actions:
        for e in w.during(action.events):
            if e.type in ("action.applied", "action.approved"):
                took[action.action] += 1
                if action.subject is not None and action.subject.kind == "account":
                    accounts.add(action.subject.key)
                if action.action == "remove_content" and action.subject is not None:
                    removed.add(action.subject.key)
            elif e.type == "action.reversed":
                undone[action.action] += 1
            elif e.type == "action.rejected":
                refused[action.action] += 1
        before = w.before_end(action.events)
        awaiting += bool(before) and fold_action(action.id, before).state == "pending_approval"
    return ActionFigures(
        {rung: took[rung] for rung in ladder},
        {rung: undone[rung] for rung in ladder},
        {rung: refused[rung] for rung in ladder},
        awaiting,
        len(accounts),
        len(removed),
    )


def appeal_figures(appeals: Sequence[Appeal], w: _Window) -> AppealFigures:
    figures = AppealFigures()
    for appeal in appeals:
        for e in w.during(appeal.events):
            if e.type == "appeal.filed":
                figures.filed += 1
            elif e.type == "appeal.decided":
                figures.decided += 1
                figures.upheld += e.payload["outcome"] == "upheld"
                figures.overturned += e.payload["outcome"] == "overturned"
                figures.actions_reversed += len(e.payload.get("reversed_actions", []))
        if appeal.filed_at is not None and appeal.filed_at < w.until:
            figures.open_at_end += not (appeal.decided_at is not None and appeal.decided_at < w.until)
    return figures


def _median(values: Sequence[float]) -> float | None:
    return round(float(np.median(values)), 1) if values else None


def notice_figures(notices: Sequence[Notice], cases: Mapping[str, Case], w: _Window, r: Redactor) -> NoticeFigures:
    """Notices issued in the window; their texts cleaned with the subjects of the cases they cite."""
    figures = NoticeFigures()
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    per_platform: dict[str, Counter[str]] = defaultdict(Counter)
    hours: dict[str, list[float]] = defaultdict(list)
    issued = [n for n in notices if n.issued_at is not None and n.issued_at in w]
    r.prefetch(t for n in issued for t in [n.about, *(x["text"] for x in n.responses)])
    for notice in issued:
        at_end = fold_notice(notice.id, w.before_end(notice.events))
        first_kind = notice.events[0].payload["kind"]
        cited = [subject for c in notice.cases if c in cases for subject in (*cases[c].subjects, *cases[c].protected)]
        response = at_end.responses[0] if at_end.responses else None
        overdue = at_end.late(w.until)
        late = bool(at_end.escalations) or overdue or bool(response and response["late"])
        waited = _hours(at_end.responded_at - notice.issued_at) if at_end.responded_at and notice.issued_at else None
        if response is not None:
            status = "answered late" if response["late"] else "answered"
        else:
            status = "referred" if at_end.state == "referred" else "overdue" if overdue else "awaiting"
        outcome = "unanswered" if response is None else "answered late" if late else "answered on time"
        by_kind[first_kind][outcome] += 1
        counts = per_platform[notice.platform]
        counts["notices"] += 1
        counts["answered"] += response is not None
        counts["late"] += late
        counts["escalated"] += bool(at_end.escalations)
        if waited is not None:
            hours[notice.platform].append(waited)
        figures.issued += 1
        figures.late += late
        figures.escalated += bool(at_end.escalations)
        figures.notices.append(
            NoticeRow(
                notice.id,
                notice.platform,
                first_kind,
                at_end.kind,
                notice.issued_at.date().isoformat() if notice.issued_at else "",
                at_end.deadline.date().isoformat() if at_end.deadline else "",
                status,
                len(at_end.escalations),
                late,
                round(waited, 1) if waited is not None else None,
                r.clean(notice.about, cited),
                r.clean(response["text"], cited) if response else "",
            )
        )
    figures.by_kind = {kind: {o: by_kind[kind][o] for o in NOTICE_OUTCOMES} for kind in sorted(by_kind)}
    figures.platforms = [
        PlatformResponse(
            platform, c["notices"], c["answered"], c["late"], c["escalated"], _median(hours.get(platform, []))
        )
        for platform, c in sorted(per_platform.items())
    ]
    return figures


def typical_cases(cases: Sequence[Case], w: _Window, r: Redactor) -> list[TypicalCase]:
    published = [(e, case) for case in cases for e in w.during(case.events) if e.type == "case.published"]
    published.sort(key=lambda pair: pair[0].seq)
    r.prefetch(t for e, _ in published for t in e.payload["summary"].get("what_was_found", []))
    found = []
    for e, case in published:
        s = e.payload["summary"]
        people = [*case.subjects, *case.protected]
        labels = typical_case_labels(people)
        found.append(
            TypicalCase(
                e.time.date().isoformat(),
                str(s.get("violation", "")),
                r.clean(str(s.get("violation_description", ""))),
                str(s.get("severity", "")),
                list(s.get("platforms", [])),
                dict(s.get("subjects", {})),
                s.get("evidence_period"),
                [r.clean(str(t), people, labels) for t in s.get("what_was_found", [])],
                dict(s.get("actions", {})),
                int(s.get("actions_reversed", 0)),
                bool(s.get("appealed")),
                s.get("decided_on"),
            )
        )
    return found


def build_figures(
    session: Session,
    policy: Policy,
    findings: Iterable[Mapping[str, Any]],
    scope: Scope,
    redactor: Redactor,
    now: datetime | None = None,
) -> ReportFigures:
    """Every figure of the report for `scope`, as of min(scope end, now)."""
    moment = now_or(now)
    w = _Window(scope.start, min(scope.end, moment))
    in_scope = [f for f in findings if datetime.fromisoformat(f["start"]) in w and scope.covers_finding(f, policy)]
    every_case = list_cases(session)
    cases = [c for c in every_case if scope.covers_case(c)]
    case_ids = {c.id for c in cases}
    actions = [a for a in list_actions(session) if a.case_id in case_ids]
    appeals = [a for a in list_appeals(session) if a.case_id in case_ids]
    notices = [n for n in list_notices(session) if scope.on_platforms([n.platform])]
    if scope.campaign is not None:
        campaign_slugs = [scope.campaign]
    else:
        campaign_slugs = [c.slug for c in list_campaigns(session) if c.start < w.until and c.end > scope.start]
    return ReportFigures(
        scope=scope,
        until=w.until,
        generated_at=moment,
        audit_head=EventLog(session).head(),
        findings=finding_figures(in_scope, redactor),
        cases=case_figures(cases, {a.id: a for a in actions}, {a.id: a for a in appeals}, w, redactor),
        actions=action_figures(actions, policy, w),
        appeals=appeal_figures(appeals, w),
        notices=notice_figures(notices, {c.id: c for c in every_case}, w, redactor),
        campaigns=[campaign_stats(session, slug, now=w.until) for slug in campaign_slugs],
        typical_cases=typical_cases(cases, w, redactor),
        pseudonyms=len(redactor.pseudonyms),
    )
