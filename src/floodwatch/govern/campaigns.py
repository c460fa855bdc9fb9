"""Campaigns: named, time-bounded operations with a scope, and their statistics computed from the event log only.

A campaign is a stream `campaign:<slug>` holding its name, period [start, end), scope (platforms, violation
types; empty means all) and targets. Its figures are counted from the governance events inside the period that
concern a case in scope, so they can be recomputed by anyone holding the log and always agree with the audit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from floodwatch.govern.cases import now_or
from floodwatch.govern.errors import GovernanceError
from floodwatch.govern.events import Event, EventLog
from floodwatch.govern.policy import Policy

KIND = "campaign"
RESTRICTIONS = ("limit_reach", "restrict_posting", "suspend")
CLOSING_EVENTS = ("case.closed", "case.merged", "case.appeal_resolved")


@dataclass
class Campaign:
    slug: str
    name: str
    start: datetime
    end: datetime
    platforms: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    targets: str = ""
    created_by: str = ""


def campaign_stream(slug: str) -> str:
    return f"campaign:{slug}"


def _campaign(event: Event) -> Campaign:
    p = event.payload
    return Campaign(
        p["slug"],
        p["name"],
        datetime.fromisoformat(p["start"]),
        datetime.fromisoformat(p["end"]),
        list(p["platforms"]),
        list(p["violations"]),
        p["targets"],
        event.actor,
    )


def create_campaign(
    session: Session,
    actor: str,
    policy: Policy,
    *,
    slug: str,
    name: str,
    start: datetime,
    end: datetime,
    platforms: Sequence[str] = (),
    violations: Sequence[str] = (),
    targets: str = "",
    now: datetime | None = None,
) -> Campaign:
    if end <= start:
        raise GovernanceError(f"a campaign must end after it starts ({start:%Y-%m-%d} .. {end:%Y-%m-%d})")
    unknown = sorted(set(violations) - set(policy.violations))
    if unknown:
        raise GovernanceError(f"unknown violation types {unknown} (the policy defines: {', '.join(policy.violations)})")
    log = EventLog(session)
    if log.stream(campaign_stream(slug)) is not None:
        raise GovernanceError(f"campaign {slug!r} already exists")
    payload = {
        "slug": slug,
        "name": name,
        "start": start,
        "end": end,
        "platforms": sorted(set(platforms)),
        "violations": sorted(set(violations)),
        "targets": targets,
    }
    event = log.append(
        campaign_stream(slug),
        KIND,
        "campaign.created",
        actor,
        payload,
        expected_version=0,
        state="created",
        now=now_or(now),
    )
    return _campaign(event)


def load_campaign(session: Session, slug: str) -> Campaign:
    log = EventLog(session)
    log.require(campaign_stream(slug), KIND, "campaign")
    return _campaign(log.read(campaign_stream(slug))[0])


def list_campaigns(session: Session) -> list[Campaign]:
    log = EventLog(session)
    ids = [row.id for row in log.streams(KIND)]
    return [_campaign(events[0]) for events in log.read_many(ids).values()]


@dataclass
class CampaignStats:
    campaign: str
    period: tuple[str, str]
    rumors_identified: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    violations_found: int = 0
    referrals: int = 0
    penalties: dict[str, int] = field(default_factory=dict)
    accounts_warned: int = 0
    accounts_restricted: int = 0
    accounts_closed: int = 0
    items_removed: int = 0
    actions_reversed: int = 0
    typical_cases_published: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _case_scopes(log: EventLog) -> dict[str, tuple[set[str], str | None, int]]:
    """Per case: its platforms, its violation (as decided, else as opened) and the findings it holds."""
    scopes: dict[str, tuple[set[str], str | None, int]] = {}
    for e in log.find(types=["case.opened", "case.decided"]):
        if e.type == "case.opened":
            platforms = {s["platform"] for s in e.payload["subjects"] if s.get("platform")}
            scopes[e.stream] = (platforms, e.payload.get("violation"), len(e.payload.get("findings", [])))
        elif e.payload.get("violation") and e.stream in scopes:
            platforms, _, findings = scopes[e.stream]
            scopes[e.stream] = (platforms, e.payload["violation"], findings)
    return scopes


def campaign_stats(session: Session, slug: str, now: datetime | None = None) -> CampaignStats:
    """The campaign's figures so far (up to `now`, at most its end), from the event log alone."""
    campaign = load_campaign(session, slug)
    log = EventLog(session)
    until = min(campaign.end, now_or(now))
    scopes = _case_scopes(log)

    def in_scope(case_id: str) -> bool:
        if case_id not in scopes:
            return False
        platforms, violation, _ = scopes[case_id]
        platform_ok = not campaign.platforms or bool(platforms & set(campaign.platforms))
        return platform_ok and (not campaign.violations or violation in campaign.violations)

    actions = {
        e.stream: (e.payload["case"], e.payload["action"], e.subject or "")
        for e in log.find(types=["action.proposed", "action.applied"])
    }
    stats = CampaignStats(campaign.slug, (campaign.start.isoformat(), campaign.end.isoformat()))
    penalties: Counter[str] = Counter()
    touched: dict[str, set[str]] = {"warned": set(), "restricted": set(), "closed": set(), "removed": set()}
    for e in log.find(since=campaign.start, until=until):
        if e.type.startswith("action."):
            if e.stream not in actions or not in_scope(actions[e.stream][0]):
                continue
            _, action, subject = actions[e.stream]
            if e.type in ("action.applied", "action.approved"):
                penalties[action] += 1
                if action == "warning" and subject.startswith("account:"):
                    touched["warned"].add(subject)
                elif action in RESTRICTIONS and subject.startswith("account:"):
                    touched["restricted"].add(subject)
                elif action == "close_account":
                    touched["closed"].add(subject)
                elif action == "remove_content":
                    touched["removed"].add(subject)
            elif e.type == "action.reversed":
                stats.actions_reversed += 1
            continue
        if not in_scope(e.stream):
            continue
        if e.type == "case.opened":
            stats.cases_opened += 1
            if scopes[e.stream][1] == "rumor_spreading":
                stats.rumors_identified += max(1, scopes[e.stream][2])  # a hand-opened rumor case is one rumor
        elif e.type in CLOSING_EVENTS:
            stats.cases_closed += 1
        elif e.type == "case.decided" and e.payload["outcome"] == "violation":
            stats.violations_found += 1
        elif e.type == "case.referred":
            stats.referrals += 1
        elif e.type == "case.published":
            stats.typical_cases_published += 1
    stats.penalties = dict(sorted(penalties.items()))
    stats.accounts_warned = len(touched["warned"])
    stats.accounts_restricted = len(touched["restricted"])
    stats.accounts_closed = len(touched["closed"])
    stats.items_removed = len(touched["removed"])
    return stats
