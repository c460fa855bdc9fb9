"""Oversight of platforms: the registry, per-platform figures, and notices that escalate when answered late.

A platform is a stream `platform:<slug>`; a notice a stream `N-1`, ... Notices climb a ladder when their deadline
passes unanswered (`tick`): reminder ──► interview ──► rectification_order ──► referred (to the authority; final).
Each escalation gives the platform the policy's days for the new kind of notice.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from floodwatch.govern.cases import list_cases, now_or
from floodwatch.govern.errors import GovernanceError, InvalidTransitionError
from floodwatch.govern.events import Event, EventLog
from floodwatch.govern.policy import NOTICE_KINDS, Policy

PLATFORM_KIND = "platform"
NOTICE_KIND = "notice"
NOTICE_PREFIX = "N"
NEXT_LEVEL = {"reminder": "interview", "interview": "rectification_order", "rectification_order": "referral"}


@dataclass
class Platform:
    slug: str
    name: str = ""
    contact: str | None = None
    registered_at: datetime | None = None


def platform_stream(slug: str) -> str:
    return f"platform:{slug}"


def register_platform(
    session: Session, actor: str, slug: str, name: str, contact: str | None = None, now: datetime | None = None
) -> Platform:
    if not slug or not slug.replace("-", "").replace("_", "").isalnum():
        raise GovernanceError(f"a platform slug is letters, digits, - and _, got {slug!r}")
    log = EventLog(session)
    if log.stream(platform_stream(slug)) is not None:
        raise GovernanceError(f"platform {slug!r} is already registered")
    event = log.append(
        platform_stream(slug),
        PLATFORM_KIND,
        "platform.registered",
        actor,
        {"slug": slug, "name": name, "contact": contact},
        expected_version=0,
        state="registered",
        now=now_or(now),
    )
    return Platform(slug, name, contact, event.time)


def list_platforms(session: Session) -> list[Platform]:
    log = EventLog(session)
    ids = [row.id for row in log.streams(PLATFORM_KIND)]
    platforms = []
    for events in log.read_many(ids).values():
        first = events[0]
        platforms.append(Platform(first.payload["slug"], first.payload["name"], first.payload["contact"], first.time))
    return platforms


@dataclass
class Notice:
    id: str
    version: int = 0
    platform: str = ""
    kind: str = ""
    about: str = ""
    cases: list[str] = field(default_factory=list)
    state: str = "issued"  # issued (awaiting an answer), responded, referred
    issued_at: datetime | None = None
    issued_by: str = ""
    deadline: datetime | None = None
    responses: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def responded_at(self) -> datetime | None:
        return datetime.fromisoformat(self.responses[0]["time"]) if self.responses else None

    def late(self, now: datetime) -> bool:
        return self.state == "issued" and self.deadline is not None and now >= self.deadline


def fold_notice(notice_id: str, events: Sequence[Event]) -> Notice:
    notice = Notice(notice_id)
    for e in events:
        p = e.payload
        notice.version = e.version
        notice.events.append(e)
        if e.type == "notice.issued":
            notice.platform, notice.kind, notice.about, notice.cases = p["platform"], p["kind"], p["about"], p["cases"]
            notice.issued_at, notice.issued_by = e.time, e.actor
            notice.deadline = datetime.fromisoformat(p["deadline"])
        elif e.type == "notice.responded":
            notice.state = "responded"
            notice.responses.append({"time": e.time.isoformat(), "by": e.actor, "text": p["text"], "late": p["late"]})
        elif e.type == "notice.escalated":
            notice.escalations.append({"time": e.time.isoformat(), "from": p["from"], "to": p["to"]})
            if p["to"] == "referral":
                notice.state = "referred"
            else:
                notice.kind, notice.deadline = p["to"], datetime.fromisoformat(p["deadline"])
    return notice


def load_notice(log: EventLog, notice_id: str) -> Notice:
    log.require(notice_id, NOTICE_KIND, "notice")
    return fold_notice(notice_id, log.read(notice_id))


def list_notices(session: Session, states: Sequence[str] | None = None, platform: str | None = None) -> list[Notice]:
    log = EventLog(session)
    ids = [row.id for row in log.streams(NOTICE_KIND, states)]
    notices = [fold_notice(i, events) for i, events in log.read_many(ids).items()]
    return [n for n in notices if platform is None or n.platform == platform]


def issue_notice(
    session: Session,
    actor: str,
    policy: Policy,
    *,
    platform: str,
    kind: str,
    about: str,
    cases: Sequence[str] = (),
    deadline: datetime | None = None,
    now: datetime | None = None,
) -> Notice:
    """Send a platform a reminder, interview summons or rectification order; deadline defaults from the policy."""
    if kind not in NOTICE_KINDS:
        raise GovernanceError(f"unknown notice kind {kind!r} (choose from {', '.join(NOTICE_KINDS)})")
    moment = now_or(now)
    log = EventLog(session)
    if log.stream(platform_stream(platform)) is None:
        raise GovernanceError(f"platform {platform!r} is not registered (floodwatch platforms add {platform} ...)")
    for case_id in cases:
        log.require(case_id, "case", "case")
    due = deadline or moment + timedelta(days=policy.notice_days[kind])
    if due <= moment:
        raise GovernanceError("a notice's deadline must be in the future")
    notice_id = log.new_stream_id(NOTICE_KIND, NOTICE_PREFIX)
    payload = {"platform": platform, "kind": kind, "about": about, "cases": list(cases), "deadline": due}
    event = log.append(
        notice_id,
        NOTICE_KIND,
        "notice.issued",
        actor,
        payload,
        expected_version=0,
        state="issued",
        subject=f"platform:{platform}:{platform}",
        policy_ref=policy.ref(f"oversight.{kind}_days"),
        now=moment,
    )
    return fold_notice(notice_id, [event])


def respond(session: Session, notice_id: str, actor: str, text: str, now: datetime | None = None) -> Notice:
    if not text.strip():
        raise GovernanceError("a response needs some text")
    moment = now_or(now)
    log = EventLog(session)
    notice = load_notice(log, notice_id)
    if notice.state != "issued":
        raise InvalidTransitionError(f"notice {notice_id} is {notice.state}: it takes no further response")
    late = notice.deadline is not None and moment > notice.deadline
    event = log.append(
        notice.id,
        NOTICE_KIND,
        "notice.responded",
        actor,
        {"text": text, "late": late},
        expected_version=notice.version,
        state="responded",
        now=moment,
    )
    return fold_notice(notice.id, [*notice.events, event])


def escalate_late(session: Session, policy: Policy, now: datetime, actor: str) -> list[str]:
    """Escalate every unanswered notice past its deadline by one level; return their ids."""
    log = EventLog(session)
    escalated = []
    for notice in list_notices(session, ["issued"]):
        if not notice.late(now):
            continue
        to = NEXT_LEVEL[notice.kind]
        payload: dict[str, Any] = {"from": notice.kind, "to": to}
        state = "referred" if to == "referral" else "issued"
        if to != "referral":
            payload["deadline"] = now + timedelta(days=policy.notice_days[to])
        log.append(
            notice.id,
            NOTICE_KIND,
            "notice.escalated",
            actor,
            payload,
            expected_version=notice.version,
            state=state,
            reason=f"no response by {notice.deadline:%Y-%m-%d %H:%M} UTC",
            policy_ref=policy.ref(f"oversight.{notice.kind}_days"),
            now=now,
        )
        escalated.append(notice.id)
    return escalated


@dataclass
class PlatformFigures:
    platform: str
    registered: bool = False
    findings: int = 0
    rumor_findings: int = 0
    coordinated_accounts: int = 0
    cases_opened: int = 0
    cases_open: int = 0
    violations_found: int = 0
    notices: int = 0
    notices_late: int = 0
    median_hours_to_response: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _finding_platforms(finding: Mapping[str, Any]) -> set[str]:
    return {str(s["platform"]) for s in finding.get("subjects", []) if s.get("platform")}


def platform_figures(
    session: Session,
    policy: Policy,
    findings: Iterable[Mapping[str, Any]] | None = None,
    now: datetime | None = None,
) -> list[PlatformFigures]:
    """Per platform: findings (given, else those snapshotted in cases), rumor volume, coordinated accounts, cases,
    violations found, notices, late notices and the median time from notice to response."""
    moment = now_or(now)
    figures: dict[str, PlatformFigures] = {}

    def of(platform: str) -> PlatformFigures:
        return figures.setdefault(platform, PlatformFigures(platform))

    for p in list_platforms(session):
        of(p.slug).registered = True
    cases = list_cases(session)
    records = list(findings) if findings is not None else [f for c in cases for f in c.findings]
    coordinated: dict[str, set[str]] = defaultdict(set)
    for finding in {str(f.get("id")): f for f in records}.values():
        violation = policy.violation_for_finding(str(finding.get("kind")))
        for platform in _finding_platforms(finding):
            of(platform).findings += 1
            of(platform).rumor_findings += violation == "rumor_spreading"
        if violation == "coordinated_inauthentic_behaviour":
            for s in finding.get("subjects", []):
                if s.get("kind") == "account" and s.get("platform"):
                    coordinated[str(s["platform"])].add(str(s["id"]))
    for platform, accounts in coordinated.items():
        of(platform).coordinated_accounts = len(accounts)
    for case in cases:
        for platform in case.platforms:
            f = of(platform)
            f.cases_opened += 1
            f.cases_open += case.state in ("open", "in_review")
            f.violations_found += case.outcome == "violation"
    hours: dict[str, list[float]] = defaultdict(list)
    late: Counter[str] = Counter()
    for notice in list_notices(session):
        of(notice.platform).notices += 1
        late[notice.platform] += bool(
            notice.escalations or notice.late(moment) or any(r["late"] for r in notice.responses)
        )
        if notice.responded_at and notice.issued_at:
            hours[notice.platform].append((notice.responded_at - notice.issued_at).total_seconds() / 3600)
    for platform, count in late.items():
        of(platform).notices_late = count
    for platform, values in hours.items():
        of(platform).median_hours_to_response = round(statistics.median(values), 2)
    return sorted(figures.values(), key=lambda f: f.platform)
