"""`floodwatch blacklist ...` and `floodwatch tenants ...`: the federation's keys, hashes, server calls, bundles.

Raw identifiers stay on the machine that runs these commands: `hash`, `submit` and `check` hash them locally with
the federation key and send only the keyed hashes. Output never repeats a raw value (rows are named by line).
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import httpx
import orjson
import typer
from rich.table import Table

from floodwatch.commands.common import DataDirOption, console, fail
from floodwatch.commands.govern import ActorOption, DbOption, actor_of, governance, parse_time
from floodwatch.federation import bundles
from floodwatch.federation.identifiers import IdentifierError, IdentifierKind, keyed_hash, load_key, new_key
from floodwatch.federation.opinions import ConsumerPolicy
from floodwatch.govern import blacklist, tenants

SERVER_ENV = "FLOODWATCH_SERVER"
API_KEY_ENV = "FLOODWATCH_API_KEY"
BATCH = 1000

blacklist_app = typer.Typer(
    help="The shared blacklist: federation key, keyed hashes, submit/check against a server, signed bundles.",
    no_args_is_help=True,
)
tenants_app = typer.Typer(help="Tenants of the API and their keys (admin).", no_args_is_help=True)

KeyFileOption = Annotated[
    Optional[Path], typer.Option("--key-file", help="Federation key file \\[default: $FLOODWATCH_FEDERATION_KEY].")
]
ServerOption = Annotated[
    Optional[str],
    typer.Option("--server", help="API base URL, e.g. http://127.0.0.1:8000 \\[default: $FLOODWATCH_SERVER]."),
]
ApiKeyOption = Annotated[Optional[str], typer.Option("--api-key", help="API key \\[default: $FLOODWATCH_API_KEY].")]


def _federation_key(path: Path | None) -> bytes:
    try:
        return load_key(path)
    except (KeyError, ValueError, OSError) as exc:
        raise fail(str(exc).strip('"')) from None


# ── keys and hashes ───────────────────────────────────────────────────────────────────────────────────────────


@blacklist_app.command("key")
def key_command(
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the key to this file (mode 600).")] = None,
) -> None:
    """Make a new federation key (share it with member platforms over a secure channel only)."""
    text = new_key()
    if out is None:
        typer.echo(text)
        return
    if out.exists():
        raise fail(f"{out} exists: a federation key is never overwritten (every hash made with it depends on it)")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    console.print(f"federation key written to {out} (mode 600)")


@blacklist_app.command("signing-key")
def signing_key_command(
    out: Annotated[Path, typer.Option("--out", help="Private key PEM; the public key goes to OUT.pub.")],
) -> None:
    """Make an Ed25519 key pair for signing bundles; give the .pub file to the nodes that import yours."""
    public = out.with_name(out.name + ".pub")
    if out.exists() or public.exists():
        raise fail(f"{out} or {public} exists: refusing to overwrite a signing key")
    key = bundles.new_signing_key()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(bundles.private_pem(key))
    public.write_bytes(bundles.public_pem(key.public_key()))
    console.print(f"signing key {out} (mode 600), public key {public} (key id {bundles.key_id(key.public_key())})")


def _values(value: str) -> Iterator[str]:
    if value != "-":
        yield value
        return
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


@blacklist_app.command("hash")
def hash_command(
    kind: Annotated[IdentifierKind, typer.Argument(help="Identifier kind.")],
    value: Annotated[str, typer.Argument(help="The raw value, or - to read one value a line from stdin.")],
    platform: Annotated[Optional[str], typer.Option(help="The account's platform (kind account).")] = None,
    key_file: KeyFileOption = None,
) -> None:
    """Print the keyed hash (HMAC-SHA256 under the federation key) of identifiers, one a line."""
    key = _federation_key(key_file)
    for number, raw in enumerate(_values(value), 1):
        try:
            typer.echo(keyed_hash(kind, raw, key, platform))
        except IdentifierError as exc:
            raise fail(f"value {number}: {_scrub(str(exc), raw)}") from None


def _scrub(message: str, raw: str) -> str:
    return message.replace(repr(raw), "the value").replace(raw, "the value") if raw.strip() else message


# ── talking to a server ───────────────────────────────────────────────────────────────────────────────────────


def _client(server: str | None, api_key: str | None) -> httpx.Client:
    base = server or os.environ.get(SERVER_ENV)
    secret = api_key or os.environ.get(API_KEY_ENV)
    if not base:
        raise fail(f"which server? --server URL or ${SERVER_ENV}")
    if not secret:
        raise fail(f"which API key? --api-key or ${API_KEY_ENV}")
    return httpx.Client(
        base_url=base.rstrip("/") + "/api/v1", headers={"Authorization": f"Bearer {secret}"}, timeout=60.0
    )


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        response = client.post(path, json=body)
    except httpx.HTTPError as exc:
        raise fail(f"cannot reach {client.base_url}: {exc}") from None
    data: dict[str, Any] = (
        response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    )
    if response.status_code >= 400:
        error = data.get("error", {})
        raise fail(f"{response.status_code} {error.get('code', '')}: {error.get('message', response.text[:200])}", 1)
    return data


def _read_identifiers(path: Path) -> list[dict[str, str]]:
    """CSV with a header (kind,value[,platform,reason_code,confidence,case_ref,expires_at]) or JSON Lines."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append({k: str(v) for k, v in orjson.loads(line).items() if v is not None})
                except (orjson.JSONDecodeError, AttributeError):
                    raise fail(f"{path}:{number}: not a JSON object line") from None
        return rows
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or not {"kind", "value"} <= set(reader.fieldnames):
        raise fail(f"{path}: the CSV header must name at least kind and value")
    return [{k: v for k, v in row.items() if k and v} for row in reader]


def _hash_rows(rows: list[dict[str, str]], key: bytes) -> list[str]:
    hashes = []
    for number, row in enumerate(rows, 1):
        raw = row.get("value", "")
        try:
            hashes.append(keyed_hash(row.get("kind", ""), raw, key, row.get("platform")))
        except ValueError as exc:  # IdentifierError or an unknown kind
            raise fail(f"row {number}: {_scrub(str(exc), raw)}") from None
    return hashes


@blacklist_app.command("submit")
def submit_command(
    file: Annotated[Path, typer.Argument(help="CSV (kind,value,platform,reason_code,confidence,...) or JSONL.")],
    reason: Annotated[Optional[str], typer.Option(help="Reason code for rows without one (a violation type).")] = None,
    confidence: Annotated[float, typer.Option(help="Confidence for rows without one.", min=0, max=1)] = 0.9,
    key_file: KeyFileOption = None,
    server: ServerOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Hash identifiers here and submit only their keyed hashes to the server, as your platform's entries."""
    key = _federation_key(key_file)
    rows = _read_identifiers(file)
    hashes = _hash_rows(rows, key)
    entries = []
    for number, (row, digest) in enumerate(zip(rows, hashes, strict=True), 1):
        code = row.get("reason_code") or reason
        if not code:
            raise fail(f"row {number} has no reason_code: give one per row or --reason")
        item: dict[str, Any] = {"kind": row["kind"], "hash": digest, "reason_code": code}
        try:
            item["confidence"] = float(row.get("confidence") or confidence)
        except ValueError:
            raise fail(f"row {number}: confidence is not a number") from None
        if row.get("case_ref"):
            item["case_ref"] = row["case_ref"]
        if row.get("expires_at"):
            item["expires_at"] = parse_time(row["expires_at"], f"row {number} expires_at").isoformat()
        entries.append(item)
    created = updated = 0
    with _client(server, api_key) as client:
        for start in range(0, len(entries), BATCH):
            result = _post(client, "/blacklist/entries", {"entries": entries[start : start + BATCH]})
            created, updated = created + result["created"], updated + result["updated"]
    console.print(f"submitted {len(entries):,} entries: {created:,} new, {updated:,} refreshed (hashes only)")


@blacklist_app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="CSV (kind,value[,platform]) or JSONL of identifiers to check.")],
    key_file: KeyFileOption = None,
    server: ServerOption = None,
    api_key: ApiKeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON result a line.")] = False,
) -> None:
    """Hash identifiers here and look the hashes up; rows are shown by number, never by value."""
    rows = _read_identifiers(file)
    hashes = _hash_rows(rows, _federation_key(key_file))
    matches: list[dict[str, Any]] = []
    with _client(server, api_key) as client:
        for start in range(0, len(hashes), BATCH):
            matches += _post(client, "/blacklist/lookup", {"hashes": hashes[start : start + BATCH]})["matches"]
    by_hash = {m["hash"]: m for m in matches}
    table = Table(title=f"{sum(m['listed'] for m in matches):,} of {len(hashes):,} listed")
    for col in ("row", "kind", "listed", "standing", "act", "reasons", "platforms"):
        table.add_column(col)
    for number, (row, digest) in enumerate(zip(rows, hashes, strict=True), 1):
        m = by_hash[digest]
        result = {
            "row": number,
            "kind": row["kind"],
            "listed": m["listed"],
            "standing": (m["standing"] or {}).get("standing"),
            "act": m["act"],
            "reasons": sorted({e["reason_code"] for e in m["entries"]}),
            "platforms": sorted({e["platform"] for e in m["entries"]}),
        }
        if as_json:
            typer.echo(orjson.dumps(result).decode())
        elif m["listed"]:
            table.add_row(*(str(v) if not isinstance(v, list) else ", ".join(v) for v in result.values()))
    if not as_json:
        console.print(table)


# ── bundles and housekeeping (on the database) ──────────────────────────────────────────────────────────────


@blacklist_app.command("export")
def export_command(
    signing_key: Annotated[Path, typer.Option("--signing-key", help="Your node's Ed25519 private key PEM.")],
    out: Annotated[Path, typer.Option("--out", help="Bundle file to write.")],
    issuer: Annotated[str, typer.Option(help="This node's name, as the importing node knows it.")] = "floodwatch",
    since: Annotated[int, typer.Option(help="Export changes after this cursor (0: everything).", min=0)] = 0,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write a signed bundle of the entries changed since a cursor (hashes, no case references)."""
    try:
        key = bundles.load_private(signing_key.read_bytes())
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read the signing key {signing_key}: {exc}") from None
    with governance(db, data_dir) as session:
        records, cursor = blacklist.export_changes(session, since)
    out.write_bytes(bundles.sign_bundle(records, issuer, key, cursor=str(cursor)))
    console.print(f"{len(records):,} entries → {out} (cursor {cursor}: next time --since {cursor})")


@blacklist_app.command("import")
def import_command(
    bundle: Annotated[Path, typer.Argument(help="A bundle from another node.")],
    trusted: Annotated[list[Path], typer.Option("--trusted", help="Public key PEM of a node you trust (repeatable).")],
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Verify a bundle's signature against the trusted keys, then apply it; nothing is applied if it fails."""
    who = actor_of(actor)
    keys = {}
    for path in trusted:
        try:
            public = bundles.load_public(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise fail(f"cannot read the trusted key {path}: {exc}") from None
        keys[bundles.key_id(public)] = public
    try:
        verified = bundles.verify_bundle(bundle.read_bytes(), keys)
    except OSError as exc:
        raise fail(f"cannot read {bundle}: {exc.strerror}") from None
    except bundles.BundleError as exc:
        raise fail(f"{bundle}: {exc}; nothing was imported", code=1) from None
    with governance(db, data_dir) as session:
        try:
            report = blacklist.import_records(
                session, who, f"node:{verified.issuer}", verified.issuer, verified.entries
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise fail(f"{bundle}: a record is malformed ({exc}); nothing was imported", code=1) from None
    console.print(
        f"imported {len(verified.entries):,} entries from {verified.issuer} (key {verified.key_id}): "
        f"{report.created:,} new, {report.updated:,} updated; audit event {report.event_seq}"
    )


@blacklist_app.command("sweep")
def sweep_command(
    key_file: KeyFileOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Apply due delistings (appeals overturned) and expiries now (the API also does this before each sync)."""
    key = _federation_key(key_file) if key_file or os.environ.get("FLOODWATCH_FEDERATION_KEY") else None
    with governance(db, data_dir) as session:
        report = blacklist.sweep(session, key)
    console.print(f"delisted {report.delisted:,}, expired {report.expired:,} ({report.delist_events} delist events)")


# ── tenants and keys ─────────────────────────────────────────────────────────────────────────────────────────


@tenants_app.command("add")
def tenants_add(
    slug: Annotated[str, typer.Argument(help="Tenant id; a platform's tenant is its platform slug (weibo, douyin).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Add a tenant."""
    with governance(db, data_dir) as session:
        tenant = tenants.create_tenant(session, actor_of(actor), slug, name)
    console.print(f"tenant {tenant.slug} added")


@tenants_app.command("list")
def tenants_list(db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """List tenants and their consumer policies."""
    with governance(db, data_dir) as session:
        found = tenants.list_tenants(session)
    table = Table()
    for col in ("tenant", "name", "disabled", "min agreeing", "act on disputed", "min confidence"):
        table.add_column(col)
    for t in found:
        p = t.consumer_policy
        table.add_row(
            t.slug, t.name, str(t.disabled), str(p.min_agreeing), str(p.act_on_disputed), f"{p.min_confidence:g}"
        )
    console.print(table)


@tenants_app.command("policy")
def tenants_policy(
    slug: str,
    min_agreeing: Annotated[int, typer.Option(help="Platforms that must agree before acting.", min=1)] = 1,
    act_on_disputed: Annotated[bool, typer.Option(help="Act on disputed entries too.")] = False,
    min_confidence: Annotated[float, typer.Option(help="Lowest confidence acted on.", min=0, max=1)] = 0.0,
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Set when a tenant acts automatically on entries others submitted."""
    with governance(db, data_dir) as session:
        tenants.set_consumer_policy(
            session, actor_of(actor), slug, ConsumerPolicy(min_agreeing, act_on_disputed, min_confidence)
        )
    console.print(f"{slug}: act when {min_agreeing} platform(s) agree, confidence ≥ {min_confidence:g}")


@tenants_app.command("disable")
def tenants_disable(slug: str, actor: ActorOption = None, db: DbOption = None, data_dir: DataDirOption = None) -> None:
    """Disable a tenant: every one of its keys stops working at once."""
    with governance(db, data_dir) as session:
        tenants.set_disabled(session, actor_of(actor), slug, True)
    console.print(f"tenant {slug} disabled")


@tenants_app.command("issue-key")
def tenants_issue_key(
    tenant: str,
    role: Annotated[str, typer.Option(help="admin, analyst, reviewer or platform.")],
    name: Annotated[str, typer.Option(help="Who holds it; writes are recorded as TENANT/NAME.")],
    rate: Annotated[
        Optional[float], typer.Option(help="Requests a second \\[default: the server's].", min=0.001)
    ] = None,
    actor: ActorOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Issue an API key. It is printed once: only its SHA-256 is stored."""
    with governance(db, data_dir) as session:
        key, secret = tenants.issue_key(session, actor_of(actor), tenant, name, role, rate)
    console.print(f"key {key.key_id} for {key.actor} ({key.role}); store it now, it is not shown again:")
    typer.echo(secret)


@tenants_app.command("keys")
def tenants_keys(
    tenant: Annotated[Optional[str], typer.Argument(help="Only this tenant's keys.")] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List API keys (ids, roles, state; never secrets)."""
    with governance(db, data_dir) as session:
        found = tenants.list_keys(session, tenant)
    table = Table()
    for col in ("key id", "tenant", "name", "role", "rate/s", "created", "revoked"):
        table.add_column(col)
    for k in found:
        table.add_row(
            k.key_id,
            k.tenant,
            k.name,
            k.role,
            f"{k.rate_per_second:g}" if k.rate_per_second else "default",
            _day(k.created_at),
            _day(k.revoked_at),
        )
    console.print(table)


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@tenants_app.command("revoke-key")
def tenants_revoke_key(
    key_id: str, actor: ActorOption = None, db: DbOption = None, data_dir: DataDirOption = None
) -> None:
    """Revoke an API key at once."""
    with governance(db, data_dir) as session:
        key = tenants.revoke_key(session, actor_of(actor), key_id)
    console.print(f"key {key.key_id} ({key.actor}) revoked")
