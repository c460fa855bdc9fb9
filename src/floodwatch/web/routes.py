"""The console's pages under /console: login, dashboard, findings, the cluster explorer, cases with the review →
decide → approve → appeal flow, blacklist, notices, campaigns, reports.

Reads and writes go through the REST API as the logged-in user (web/client.py); a refused write comes back to the
page it came from as the API's own message. Forms post here and are answered with a redirect (post/redirect/get),
so they work without JavaScript; htmx only refreshes parts of a page (the findings filter, an account's posts).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from floodwatch.detect.pii import redact
from floodwatch.govern.policy import Policy
from floodwatch.report.charts import bar_chart, grouped_bar_chart
from floodwatch.store.events import resolve_data_dir
from floodwatch.web.auth import CurrentUser, form_fields, safe_next
from floodwatch.web.client import ApiProblem, ConsoleApi
from floodwatch.web.figures import evidence_timeline, finding_platforms, findings_over_time
from floodwatch.web.graph import cluster_graph
from floodwatch.web.posts import account_posts
from floodwatch.web.render import CONSOLE_PATH, page, past, redirect, secure
from floodwatch.web.session import COOKIE, SESSION_SECONDS, seal

router = APIRouter(prefix=CONSOLE_PATH, include_in_schema=False)

T = TypeVar("T")
CLUSTER_KIND = "coordination_cluster"
OPEN_CASE_STATES = ("open", "in_review")
REPORT_NAME = re.compile(r"^[A-Za-z0-9._-]{1,120}\.html$")


async def maybe(call: Awaitable[T]) -> tuple[T | None, ApiProblem | None]:
    """A read that a role may be refused: the value, or the API's refusal to show in its place."""
    try:
        return await call, None
    except ApiProblem as problem:
        if problem.status in (401, 403):
            return None, problem
        raise


def policy_of(request: Request) -> Policy:
    value: Policy = request.app.state.policy
    return value


def data_dir(request: Request) -> Path:
    return resolve_data_dir(request.app.state.settings.data_dir)


# -- login ------------------------------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None, expired: bool = False) -> Response:
    return page(request, "login.html", next=safe_next(next), expired=expired)


@router.post("/login")
async def login(request: Request) -> Response:
    fields = await form_fields(request)
    presented = fields.get("api_key", "").strip()
    target = safe_next(fields.get("next"))
    async with ConsoleApi(request.app, presented) as api:
        try:
            who = await api.get("/whoami")
        except ApiProblem as problem:
            return page(request, "login.html", status_code=401, next=target, error=problem.message)
    response = redirect(request, target, f"Logged in as {who['actor']} ({who['role']}).")
    response.set_cookie(
        COOKIE,
        seal(request.app.state.console_fernet, presented),
        max_age=SESSION_SECONDS,
        path=CONSOLE_PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await form_fields(request)  # the same-origin check
    response = redirect(request, f"{CONSOLE_PATH}/login", "Logged out.")
    response.delete_cookie(COOKIE, path=CONSOLE_PATH, secure=True, httponly=True, samesite="strict")
    return response


# -- dashboard --------------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, user: CurrentUser) -> Response:
    api = user.api
    (
        (findings, findings_refused),
        (cases, cases_refused),
        (notices, _),
        (campaigns, _),
        (actions, _),
        (appeals, _),
    ) = await asyncio.gather(
        maybe(api.every("/findings")),
        maybe(api.every("/cases")),
        maybe(api.every("/notices")),
        maybe(api.get("/campaigns")),
        maybe(api.every("/actions", state="pending_approval")),
        maybe(api.every("/appeals", state="filed")),
    )
    stats = await asyncio.gather(*(api.get(f"/campaigns/{c['slug']}") for c in campaigns or []))
    charts: dict[str, str | None] = {}
    top_cluster = None
    if findings is not None:
        by_kind, by_platform = findings_over_time(findings)
        charts["kind"] = (
            None
            if by_kind.empty
            else grouped_bar_chart(
                "Findings by day and kind", by_kind.labels, by_kind.series, stacked=True, chart_id="chart-kind"
            )
        )
        charts["platform"] = (
            None
            if by_platform.empty
            else grouped_bar_chart(
                "Findings by day and platform",
                by_platform.labels,
                by_platform.series,
                stacked=True,
                chart_id="chart-platform",
            )
        )
        clusters = [f for f in findings if f["kind"] == CLUSTER_KIND]
        top_cluster = max(clusters, key=lambda f: f["score"], default=None)
    counters = {
        "findings": len(findings) if findings is not None else None,
        "open cases": sum(c["state"] in OPEN_CASE_STATES for c in cases) if cases is not None else None,
        "overdue cases": (
            sum(c["state"] in OPEN_CASE_STATES and past(c["due"]) for c in cases) if cases is not None else None
        ),
        "overdue notices": (
            sum(n["state"] == "issued" and past(n["deadline"]) for n in notices) if notices is not None else None
        ),
        "actions awaiting approval": len(actions) if actions is not None else None,
        "appeals to decide": len(appeals) if appeals is not None else None,
    }
    return page(
        request,
        "dashboard.html",
        user=user,
        counters=counters,
        charts=charts,
        campaigns=stats,
        top_cluster=top_cluster,
        refused=findings_refused or cases_refused,
    )


# -- findings ---------------------------------------------------------------------------------------------------


@router.get("/findings", response_class=HTMLResponse)
async def findings_list(
    request: Request, user: CurrentUser, kind: str | None = None, platform: str | None = None
) -> Response:
    records = await user.api.every("/findings")
    kinds = sorted({r["kind"] for r in records})
    platforms = sorted({p for r in records for p in finding_platforms(r)})
    shown = [
        r for r in records if (not kind or r["kind"] == kind) and (not platform or platform in finding_platforms(r))
    ]
    shown.sort(key=lambda r: (-r["score"], r["start"]))
    partial = request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "findings-results"
    return page(
        request,
        "_findings_table.html" if partial else "findings.html",
        user=user,
        findings=shown,
        total=len(records),
        kinds=kinds,
        platforms=platforms,
        kind=kind or "",
        platform=platform or "",
    )


async def _case_of(api: ConsoleApi, finding_id: str) -> dict[str, Any] | None:
    cases, _ = await maybe(api.every("/cases"))
    return next((c for c in cases or [] if finding_id in c["findings"]), None)


@router.get("/findings/{finding_id}", response_class=HTMLResponse)
async def finding_detail(request: Request, finding_id: str, user: CurrentUser) -> Response:
    finding = await user.api.get(f"/findings/{finding_id}")
    timeline = evidence_timeline(finding["evidence"])
    chart = (
        None
        if timeline.empty
        else bar_chart(
            "Evidence over time",
            dict(zip(timeline.labels, timeline.series["evidence items"], strict=True)),
            series_name="evidence items",
            chart_id="chart-timeline",
        )
    )
    evidence = {
        key: redact(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8"))
        for key, value in finding["evidence"].items()
    }
    return page(
        request,
        "finding.html",
        user=user,
        finding=finding,
        evidence=evidence,
        explanation=redact(finding["explanation"]),
        timeline=chart,
        case=await _case_of(user.api, finding_id),
        is_cluster=finding["kind"] == CLUSTER_KIND,
    )


@router.get("/clusters/top")
async def top_cluster(request: Request, user: CurrentUser) -> Response:
    clusters = await user.api.every("/findings", kind=CLUSTER_KIND)
    if not clusters:
        return redirect(request, f"{CONSOLE_PATH}/findings", "No coordinated cluster has been found.", error=True)
    best = max(clusters, key=lambda f: f["score"])
    return RedirectResponse(f"{CONSOLE_PATH}/findings/{best['id']}/graph", status_code=303)


@router.get("/findings/{finding_id}/graph", response_class=HTMLResponse)
async def cluster_page(request: Request, finding_id: str, user: CurrentUser) -> Response:
    finding = await user.api.get(f"/findings/{finding_id}")
    graph = cluster_graph(finding)
    return page(request, "cluster.html", user=user, finding=finding, graph=graph)


@router.get("/findings/{finding_id}/graph.json")
async def cluster_data(finding_id: str, user: CurrentUser) -> Response:
    return secure(JSONResponse(cluster_graph(await user.api.get(f"/findings/{finding_id}"))))


@router.get("/findings/{finding_id}/accounts/{platform}/{account_id}", response_class=HTMLResponse)
async def account_panel(
    request: Request, finding_id: str, platform: str, account_id: str, user: CurrentUser
) -> Response:
    """An account's posts, for an account of the finding only (reading the finding is the API's permission check)."""
    finding = await user.api.get(f"/findings/{finding_id}")
    members = {(n["data"]["platform"], n["data"]["account_id"]) for n in cluster_graph(finding)["nodes"]}
    if (platform, account_id) not in members:
        raise ApiProblem(404, "not_found", f"{account_id} on {platform} is not an account of this finding")
    posts, total = await run_in_threadpool(account_posts, data_dir(request), platform, account_id)
    return page(request, "_posts.html", platform=platform, account_id=account_id, posts=posts, total=total)


# -- cases ------------------------------------------------------------------------------------------------------


@router.get("/cases", response_class=HTMLResponse)
async def cases_list(request: Request, user: CurrentUser, state: str | None = None) -> Response:
    cases = await user.api.every("/cases", state=state)
    return page(request, "cases.html", user=user, cases=cases, state=state or "")


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_detail(request: Request, case_id: str, user: CurrentUser) -> Response:
    case, actions, appeals = await asyncio.gather(
        user.api.get(f"/cases/{case_id}"), user.api.every("/actions"), user.api.every("/appeals")
    )
    policy = policy_of(request)
    return page(
        request,
        "case.html",
        user=user,
        case=case,
        actions=[a for a in actions if a["case"] == case_id],
        appeals=[a for a in appeals if a["case"] == case_id],
        ladder=[(name, rule.days, rule.requires_approval) for name, rule in policy.actions.items()],
    )


def _decision(fields: dict[str, str], case: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """The API body of a decision: the chosen rung on every subject it applies to, or the policy's ladder."""
    body: dict[str, Any] = {"outcome": fields.get("outcome", ""), "reason": fields.get("reason", "")}
    if fields.get("expected_version", "").isdigit():
        body["expected_version"] = int(fields["expected_version"])
    action = fields.get("action", "")
    if body["outcome"] == "violation" and action in policy.actions:
        rule = policy.actions[action]
        days = int(fields["days"]) if fields.get("days", "").isdigit() and rule.days is not None else None
        body["actions"] = [
            {"action": action, "subject": subject, "days": days}
            for subject in case["subjects"]
            if subject["kind"] in rule.subjects
        ]
    return body


async def _step(request: Request, back: str, call: Awaitable[Any], done: str) -> Response:
    """Run one governance step through the API; back to the page with its result or the API's refusal."""
    try:
        await call
    except ApiProblem as problem:
        return redirect(request, back, f"Refused: {problem.message}", error=True)
    return redirect(request, back, done)


@router.post("/cases/{case_id}/review")
async def case_review(request: Request, case_id: str, user: CurrentUser) -> Response:
    await form_fields(request)
    back = f"{CONSOLE_PATH}/cases/{case_id}"
    return await _step(request, back, user.api.post(f"/cases/{case_id}/review"), f"{case_id} is now under review.")


@router.post("/cases/{case_id}/decide")
async def case_decide(request: Request, case_id: str, user: CurrentUser) -> Response:
    fields = await form_fields(request)
    back = f"{CONSOLE_PATH}/cases/{case_id}"
    case = await user.api.get(f"/cases/{case_id}")
    body = _decision(fields, case, policy_of(request))
    return await _step(request, back, user.api.post(f"/cases/{case_id}/decide", body), f"{case_id} decided.")


@router.post("/cases/{case_id}/notes")
async def case_note(request: Request, case_id: str, user: CurrentUser) -> Response:
    fields = await form_fields(request)
    back = f"{CONSOLE_PATH}/cases/{case_id}"
    call = user.api.post(f"/cases/{case_id}/notes", {"text": fields.get("text", "")})
    return await _step(request, back, call, "Note added.")


@router.post("/actions/{action_id}/{verdict}")
async def action_verdict(request: Request, action_id: str, verdict: str, user: CurrentUser) -> Response:
    fields = await form_fields(request)
    back = safe_next(fields.get("back"))
    if verdict not in ("approve", "reject"):
        raise ApiProblem(404, "not_found", f"no step {verdict!r} for actions")
    call = user.api.post(f"/actions/{action_id}/{verdict}", {"reason": fields.get("reason", "")})
    return await _step(request, back, call, f"{action_id} {'approved' if verdict == 'approve' else 'rejected'}.")


@router.post("/cases/{case_id}/appeal")
async def appeal_file(request: Request, case_id: str, user: CurrentUser) -> Response:
    fields = await form_fields(request)
    body: dict[str, Any] = {"case": case_id, "grounds": fields.get("grounds", "")}
    if fields.get("appellant", "").strip():
        body["appellant"] = fields["appellant"].strip()
    back = f"{CONSOLE_PATH}/cases/{case_id}"
    return await _step(request, back, user.api.post("/appeals", body), "Appeal filed.")


@router.post("/appeals/{appeal_id}/decide")
async def appeal_decide(request: Request, appeal_id: str, user: CurrentUser) -> Response:
    fields = await form_fields(request)
    back = safe_next(fields.get("back"))
    body = {"outcome": fields.get("outcome", ""), "reason": fields.get("reason", "")}
    return await _step(request, back, user.api.post(f"/appeals/{appeal_id}/decide", body), f"{appeal_id} decided.")


# -- blacklist, notices, campaigns, reports ---------------------------------------------------------------------


@router.get("/blacklist", response_class=HTMLResponse)
async def blacklist_view(
    request: Request, user: CurrentUser, status: str = "active", cursor: str | None = None
) -> Response:
    wanted = status if status in ("active", "withdrawn", "delisted", "expired") else None
    listing = await user.api.get("/blacklist/entries", status=wanted, cursor=cursor, limit=200)
    return page(
        request,
        "blacklist.html",
        user=user,
        entries=listing["items"],
        next_cursor=listing["next_cursor"],
        status=wanted or "all",
    )


@router.get("/notices", response_class=HTMLResponse)
async def notices_view(request: Request, user: CurrentUser) -> Response:
    notices = await user.api.every("/notices")
    notices.sort(key=lambda n: n["deadline"])
    return page(request, "notices.html", user=user, notices=notices)


@router.get("/campaigns", response_class=HTMLResponse)
async def campaigns_view(request: Request, user: CurrentUser) -> Response:
    listed = await user.api.get("/campaigns")
    campaigns = await asyncio.gather(*(user.api.get(f"/campaigns/{c['slug']}") for c in listed))
    return page(request, "campaigns.html", user=user, campaigns=campaigns)


def report_files(folder: Path) -> list[Path]:
    """`floodwatch report` outputs saved under <data dir>/reports/."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file() and REPORT_NAME.match(p.name)), reverse=True)


@router.get("/reports", response_class=HTMLResponse)
async def reports_view(request: Request, user: CurrentUser) -> Response:
    summary = await user.api.get("/reports/summary")
    charts = {
        "findings": bar_chart("Findings by kind", summary["findings_by_kind"], chart_id="chart-report-findings"),
        "actions": bar_chart("Actions taken by type", summary["actions_by_type"], chart_id="chart-report-actions"),
        "cases": bar_chart("Cases by state", summary["cases_by_state"], chart_id="chart-report-cases"),
    }
    folder = data_dir(request) / "reports"
    return page(
        request, "reports.html", user=user, summary=summary, charts=charts, files=report_files(folder), folder=folder
    )


@router.get("/reports/files/{name}")
async def report_file(request: Request, name: str, user: CurrentUser) -> Response:
    await user.api.get("/reports/summary")  # the same permission as the figures the report publishes
    found = {p.name: p for p in report_files(data_dir(request) / "reports")}
    if name not in found:
        raise ApiProblem(404, "not_found", f"no report {name!r}")
    return secure(FileResponse(found[name], media_type="text/html"))
