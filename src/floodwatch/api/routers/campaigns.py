"""/campaigns: time-bounded operations and their live statistics (counted from the event log)."""

from __future__ import annotations

from fastapi import APIRouter

from floodwatch.api.deps import Analysts, Anyone, DatabaseDep, PolicyDep
from floodwatch.api.schemas import CampaignIn, Record
from floodwatch.api.views import campaign_view
from floodwatch.govern import campaigns

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


@router.get("", summary="Every campaign")
def list_campaigns(_key: Anyone, db: DatabaseDep) -> list[Record]:
    with db.read() as session:
        return [campaign_view(c) for c in campaigns.list_campaigns(session)]


@router.post("", status_code=201, summary="Create a campaign")
def create_campaign(body: CampaignIn, key: Analysts, db: DatabaseDep, policy: PolicyDep) -> Record:
    with db.write() as session:
        campaign = campaigns.create_campaign(
            session,
            key.actor,
            policy,
            slug=body.slug,
            name=body.name,
            start=body.start,
            end=body.end,
            platforms=body.platforms,
            violations=body.violations,
            targets=body.targets,
        )
    return campaign_view(campaign)


@router.get("/{slug}", summary="One campaign with its statistics so far")
def get_campaign(slug: str, _key: Anyone, db: DatabaseDep) -> Record:
    with db.read() as session:
        campaign = campaigns.load_campaign(session, slug)
        stats = campaigns.campaign_stats(session, slug)
    return {**campaign_view(campaign), "stats": stats.as_dict()}
