"""Request and response bodies. Strict where input is open-ended: keyed hashes are 64 lowercase hex digits, times
carry a zone, numbers are finite, unknown fields are refused (a typo must not be silently ignored)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from floodwatch.federation.identifiers import IdentifierKind
from floodwatch.federation.opinions import Opinion

T = TypeVar("T")

HashHex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="HMAC-SHA256 keyed hash, 64 lowercase hex.")]
Text = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]
ShortText = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
StreamId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Role = Literal["admin", "analyst", "reviewer", "platform"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


# --- tenants and keys ---------------------------------------------------------------------------------------


class ConsumerPolicyBody(Strict):
    min_agreeing: int = Field(1, ge=1, le=1000, description="Platforms that must hold a positive opinion.")
    act_on_disputed: bool = False
    min_confidence: float = Field(0.0, ge=0.0, le=1.0)


class TenantIn(Strict):
    slug: Slug
    name: ShortText


class TenantPatch(Strict):
    disabled: bool


class TenantOut(BaseModel):
    slug: str
    name: str
    created_at: datetime
    disabled: bool
    consumer_policy: ConsumerPolicyBody


class KeyIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^/\x00]+$")]
    role: Role
    rate_per_second: float | None = Field(None, gt=0, le=1_000_000)


class KeyOut(BaseModel):
    key_id: str
    tenant: str
    name: str
    role: str
    rate_per_second: float | None
    created_at: datetime
    revoked_at: datetime | None


class IssuedKey(KeyOut):
    secret: str = Field(description="The whole key. Shown this once: only its SHA-256 is stored.")


class WhoAmI(BaseModel):
    key_id: str
    tenant: str
    name: str
    role: str
    actor: str


# --- blacklist ----------------------------------------------------------------------------------------------


class EntryIn(Strict):
    kind: IdentifierKind
    hash: HashHex
    reason_code: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z_]+$")]
    confidence: float = Field(ge=0.0, le=1.0)
    case_ref: ShortText | None = None
    expires_at: AwareDatetime | None = None


class SubmitIn(Strict):
    entries: list[EntryIn] = Field(min_length=1, max_length=1000)


class RawEntryIn(Strict):
    kind: IdentifierKind
    value: Annotated[str, Field(min_length=1, max_length=2000)]
    platform: ShortText | None = Field(None, description="The account's platform (kind account only).")
    reason_code: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z_]+$")]
    confidence: float = Field(ge=0.0, le=1.0)
    case_ref: ShortText | None = None
    expires_at: AwareDatetime | None = None


class RawSubmitIn(Strict):
    entries: list[RawEntryIn] = Field(min_length=1, max_length=1000)


class WriteOut(BaseModel):
    created: int
    updated: int
    removed: int
    entry_ids: list[int]
    digest: str = Field(description="SHA-256 of the sorted hashes touched, as recorded in the audit event.")
    audit_event: int | None = Field(description="Sequence number of the governance event auditing this request.")


class RawWriteOut(WriteOut):
    hashes: list[str] = Field(description="The keyed hashes computed, in the order given; the values are dropped.")


class OpinionIn(Strict):
    hash: HashHex
    opinion: Opinion


class OpinionsIn(Strict):
    opinions: list[OpinionIn] = Field(min_length=1, max_length=1000)


class RemoveIn(Strict):
    entry_ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(min_length=1, max_length=1000)
    reason: ShortText


class Standing(BaseModel):
    standing: str
    positive: list[str]
    negative: list[str]
    investigating: list[str]


class EntryOut(BaseModel):
    id: int
    kind: str
    hash: str
    platform: str
    origin: str | None
    reason_code: str
    case_ref: str | None = Field(description="Shown to its submitter and to staff only.")
    confidence: float
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    status: str
    status_reason: str | None
    standing: Standing | None = None


class LookupIn(Strict):
    hashes: list[HashHex] = Field(min_length=1, max_length=1000)


class IdentifierIn(Strict):
    kind: IdentifierKind
    value: Annotated[str, Field(min_length=1, max_length=2000)]
    platform: ShortText | None = None


class RawLookupIn(Strict):
    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=1000)


class MatchOut(BaseModel):
    hash: str
    listed: bool
    act: bool = Field(description="Whether the caller's consumer policy says to act on it automatically.")
    standing: Standing | None
    entries: list[EntryOut]


class LookupOut(BaseModel):
    matches: list[MatchOut]


class ChangeOut(BaseModel):
    cursor: str
    op: Literal["upsert", "remove"]
    entry: EntryOut


class ChangesOut(BaseModel):
    changes: list[ChangeOut]
    next_cursor: str = Field(description="Where the next sync starts: pass it as `cursor`.")
    more: bool


class SweepOut(BaseModel):
    delisted: int
    expired: int
    delist_events: int
    audit_event: int | None


# --- governance ---------------------------------------------------------------------------------------------


class SubjectIn(Strict):
    kind: Literal["account", "post", "url", "platform"]
    platform: ShortText | None = None
    id: ShortText


class CaseIn(Strict):
    title: ShortText
    subjects: list[SubjectIn] = Field(min_length=1, max_length=1000)
    violation: Annotated[str, Field(max_length=60, pattern=r"^[a-z_]+$")] | None = None
    severity: Annotated[str, Field(max_length=60, pattern=r"^[a-z_]+$")] | None = None
    due: AwareDatetime | None = None


class FromFindingsIn(Strict):
    finding_ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=1000)
    violation: Annotated[str, Field(max_length=60, pattern=r"^[a-z_]+$")] | None = None


class ImportOut(BaseModel):
    opened: list[str]
    skipped: list[dict[str, str]]


class AssignIn(Strict):
    assignee: ShortText


class NoteIn(Strict):
    text: Text


class ActionSpecIn(Strict):
    action: Annotated[str, Field(max_length=60, pattern=r"^[a-z_]+$")]
    subject: SubjectIn
    days: int | None = Field(None, ge=1, le=36500)


class DecideIn(Strict):
    outcome: Literal["violation", "no_violation"]
    reason: Text
    violation: Annotated[str, Field(max_length=60, pattern=r"^[a-z_]+$")] | None = None
    actions: list[ActionSpecIn] | None = Field(None, max_length=1000)
    expected_version: int | None = Field(None, ge=0, le=2**31)


class CloseIn(Strict):
    resolution: ShortText


class MergeIn(Strict):
    into: StreamId


class ReferIn(Strict):
    to: ShortText
    reference: ShortText | None = None


class ReasonIn(Strict):
    reason: Text


class OptionalReasonIn(Strict):
    reason: Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")] = ""


class AppealIn(Strict):
    case: StreamId
    grounds: Text
    appellant: ShortText | None = None


class AppealDecisionIn(Strict):
    outcome: Literal["upheld", "overturned"]
    reason: Text


class PlatformIn(Strict):
    slug: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,63}$")]
    name: ShortText
    contact: ShortText | None = None


class NoticeIn(Strict):
    platform: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,63}$")]
    kind: Literal["reminder", "interview", "rectification_order"]
    about: Text
    cases: list[StreamId] = Field(default_factory=list, max_length=1000)
    deadline: AwareDatetime | None = None


class ResponseIn(Strict):
    text: Text


class CampaignIn(Strict):
    slug: Slug
    name: ShortText
    start: AwareDatetime
    end: AwareDatetime
    platforms: list[ShortText] = Field(default_factory=list, max_length=100)
    violations: list[Annotated[str, Field(max_length=60, pattern=r"^[a-z_]+$")]] = Field(
        default_factory=list, max_length=100
    )
    targets: Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")] = ""


Record = dict[str, Any]
