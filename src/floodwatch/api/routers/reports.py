"""/reports/summary: a transparency summary in JSON — counts only, no ids, no personal data."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select

from floodwatch.api.deps import Anyone, DatabaseDep, SettingsDep
from floodwatch.govern import appeals, blacklist, campaigns, cases, enforcement
from floodwatch.store.events import resolve_data_dir
from floodwatch.store.findings import FindingStore

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/summary", summary="Findings by kind, cases, actions by type, appeals and overturn rate, campaigns")
def summary(_key: Anyone, db: DatabaseDep, config: SettingsDep) -> dict[str, Any]:
    findings = Counter(r["kind"] for r in FindingStore(resolve_data_dir(config.data_dir)).records())
    with db.read() as session:
        all_cases = cases.list_cases(session)
        actions = enforcement.list_actions(session)
        all_appeals = appeals.list_appeals(session)
        stats = [campaigns.campaign_stats(session, c.slug).as_dict() for c in campaigns.list_campaigns(session)]
        entries = session.execute(
            select(blacklist.entries_table.c.status, blacklist.entries_table.c.kind, func.count()).group_by(
                blacklist.entries_table.c.status, blacklist.entries_table.c.kind
            )
        ).all()
    appeal_states = Counter(a.state for a in all_appeals)
    decided = appeal_states["upheld"] + appeal_states["overturned"]
    taken = [a for a in actions if a.state in ("active", "expired", "reversed")]
    by_status: dict[str, dict[str, int]] = {}
    for status, kind, count in entries:
        by_status.setdefault(status, {})[kind] = int(count)
    return {
        "findings_by_kind": dict(sorted(findings.items())),
        "cases_by_state": dict(sorted(Counter(c.state for c in all_cases).items())),
        "violations_found": sum(c.outcome == "violation" for c in all_cases),
        "actions_by_type": dict(sorted(Counter(a.action for a in taken).items())),
        "actions_by_state": dict(sorted(Counter(a.state for a in actions).items())),
        "appeals": {
            "filed": len(all_appeals),
            "pending": appeal_states["filed"],
            "upheld": appeal_states["upheld"],
            "overturned": appeal_states["overturned"],
            "overturn_rate": round(appeal_states["overturned"] / decided, 4) if decided else None,
        },
        "blacklist_entries": by_status,
        "campaigns": stats,
    }
