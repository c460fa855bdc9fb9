"""Governance and blacklist objects as the API shows them, and who may see which part."""

from __future__ import annotations

from typing import Any

from floodwatch.api.schemas import EntryOut, KeyOut, TenantOut
from floodwatch.federation.opinions import OpinionSummary
from floodwatch.govern.appeals import Appeal
from floodwatch.govern.blacklist import Entry
from floodwatch.govern.campaigns import Campaign
from floodwatch.govern.cases import Case
from floodwatch.govern.enforcement import Action
from floodwatch.govern.events import Event
from floodwatch.govern.oversight import Notice
from floodwatch.govern.tenants import ApiKey, Tenant


def standing_record(summary: OpinionSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {
        "standing": summary.standing.value,
        "positive": sorted(summary.positive),
        "negative": sorted(summary.negative),
        "investigating": sorted(summary.investigating),
    }


def entry_record(entry: Entry, viewer: ApiKey, summary: OpinionSummary | None = None) -> dict[str, Any]:
    """The shared view of an entry; its case reference only for its submitter and the regulator's staff."""
    own = viewer.role != "platform" or viewer.tenant == entry.platform
    return {
        "id": entry.id,
        "kind": entry.kind,
        "hash": entry.hash,
        "platform": entry.platform,
        "origin": entry.origin,
        "reason_code": entry.reason_code,
        "case_ref": entry.case_ref if own else None,
        "confidence": entry.confidence,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
        "expires_at": entry.expires_at,
        "status": entry.status,
        "status_reason": entry.status_reason,
        "standing": standing_record(summary),
    }


def entry_view(entry: Entry, viewer: ApiKey, summary: OpinionSummary | None = None) -> EntryOut:
    return EntryOut.model_validate(entry_record(entry, viewer, summary))


def tenant_view(tenant: Tenant) -> TenantOut:
    p = tenant.consumer_policy
    return TenantOut.model_validate(
        {
            "slug": tenant.slug,
            "name": tenant.name,
            "created_at": tenant.created_at,
            "disabled": tenant.disabled,
            "consumer_policy": {
                "min_agreeing": p.min_agreeing,
                "act_on_disputed": p.act_on_disputed,
                "min_confidence": p.min_confidence,
            },
        }
    )


def key_view(key: ApiKey) -> KeyOut:
    return KeyOut(
        key_id=key.key_id,
        tenant=key.tenant,
        name=key.name,
        role=key.role,
        rate_per_second=key.rate_per_second,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


def event_view(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "type": event.type,
        "time": event.time,
        "actor": event.actor,
        "subject": event.subject,
        "payload": event.payload,
        "reason": event.reason,
        "policy_ref": event.policy_ref,
    }


def case_view(case: Case, history: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": case.id,
        "version": case.version,
        "state": case.state,
        "title": case.title,
        "violation": case.violation,
        "severity": case.severity,
        "subjects": [s.to_dict() for s in case.subjects],
        "protected": [s.to_dict() for s in case.protected],
        "platforms": case.platforms,
        "opened_at": case.opened_at,
        "opened_by": case.opened_by,
        "due": case.due,
        "assignee": case.assignee,
        "reviewer": case.reviewer,
        "outcome": case.outcome,
        "decided_by": case.decided_by,
        "decided_at": case.decided_at,
        "actions": case.actions,
        "strikes": case.strikes,
        "appeals": case.appeals,
        "merged_into": case.merged_into,
        "merged_from": case.merged_from,
        "referrals": case.referrals,
        "published": case.published,
        "closed_at": case.closed_at,
        "resolution": case.resolution,
        "notes": [{"time": n.time, "actor": n.actor, "text": n.text} for n in case.notes],
        "findings": [f.get("id") for f in case.findings],
    }
    if history:
        view["evidence"] = case.findings
        view["events"] = [event_view(e) for e in case.events]
    return view


def action_view(action: Action) -> dict[str, Any]:
    return {
        "id": action.id,
        "version": action.version,
        "case": action.case_id,
        "action": action.action,
        "subject": action.subject.to_dict() if action.subject else None,
        "days": action.days,
        "state": action.state,
        "proposed_by": action.proposed_by,
        "proposed_at": action.proposed_at,
        "approved_by": action.approved_by,
        "active_from": action.active_from,
        "expires_at": action.expires_at,
        "ended_at": action.ended_at,
        "end_reason": action.end_reason,
        "policy_ref": action.policy_ref,
    }


def appeal_view(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.id,
        "version": appeal.version,
        "case": appeal.case_id,
        "state": appeal.state,
        "appellant": appeal.appellant,
        "grounds": appeal.grounds,
        "filed_at": appeal.filed_at,
        "due": appeal.due,
        "decided_by": appeal.decided_by,
        "decided_at": appeal.decided_at,
        "reason": appeal.reason,
        "reversed_actions": appeal.reversed_actions,
    }


def notice_view(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "version": notice.version,
        "platform": notice.platform,
        "kind": notice.kind,
        "about": notice.about,
        "cases": notice.cases,
        "state": notice.state,
        "issued_at": notice.issued_at,
        "issued_by": notice.issued_by,
        "deadline": notice.deadline,
        "responses": notice.responses,
        "escalations": notice.escalations,
    }


def campaign_view(campaign: Campaign) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "name": campaign.name,
        "start": campaign.start,
        "end": campaign.end,
        "platforms": campaign.platforms,
        "violations": campaign.violations,
        "targets": campaign.targets,
        "created_by": campaign.created_by,
    }
