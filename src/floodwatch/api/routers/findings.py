"""/findings: the detectors' findings from the store's findings log (read-only; staff only: they name accounts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from floodwatch.api.deps import CursorQuery, Limit, SettingsDep, Staff, page_of
from floodwatch.api.errors import ApiError
from floodwatch.api.schemas import Page, Record
from floodwatch.store.events import resolve_data_dir
from floodwatch.store.findings import FindingStore

router = APIRouter(prefix="/findings", tags=["findings"])


@router.get("", summary="Findings, oldest run first; filter by kind")
def list_findings(
    _key: Staff,
    config: SettingsDep,
    kind: Annotated[str | None, Query(max_length=60, pattern=r"^[a-z_]+$")] = None,
    limit: Limit = 100,
    cursor: CursorQuery = None,
) -> Page[Record]:
    store = FindingStore(resolve_data_dir(config.data_dir))
    records = list(store.records([kind] if kind else None))
    items, next_cursor = page_of(records, cursor, limit)
    return Page[Record](items=items, next_cursor=next_cursor)


@router.get("/{finding_id}", summary="One finding, as `Finding.to_dict()`")
def get_finding(finding_id: str, _key: Staff, config: SettingsDep) -> Record:
    for record in FindingStore(resolve_data_dir(config.data_dir)).records():
        if record["id"] == finding_id:
            return record
    raise ApiError(404, "not_found", f"no finding {finding_id!r}")
