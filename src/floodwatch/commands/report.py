"""`floodwatch report`: a self-contained HTML transparency report (and a PDF with Chromium) for a period or a
campaign, its figures computed from the governance log and the findings log, personal data always redacted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from floodwatch.commands.common import DataDirOption, console, errors, fail
from floodwatch.commands.govern import DbOption, PolicyOption, governance, parse_time, policy_of
from floodwatch.govern.campaigns import list_campaigns
from floodwatch.report.figures import Scope, build_figures, campaign_scope, period_scope
from floodwatch.report.html import render_report
from floodwatch.report.pdf import PdfError, find_chromium, print_to_pdf
from floodwatch.report.privacy import Redactor, StoreAccounts
from floodwatch.store.events import resolve_data_dir
from floodwatch.store.findings import FindingStore


def parse_period(text: str) -> tuple[date, date]:
    """`2026-03-01..2026-03-31` → the first and last day, both included."""
    first, sep, last = text.partition("..")
    try:
        if not sep:
            raise ValueError
        return date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        raise fail(f"--period takes FIRST..LAST days, e.g. 2026-03-01..2026-03-31; got {text!r}") from None


def report_command(
    period: Annotated[
        Optional[str],
        typer.Option(help="FIRST..LAST, whole days in UTC, both included (e.g. 2026-03-01..2026-03-31)."),
    ] = None,
    campaign: Annotated[
        Optional[str], typer.Option(help="A campaign's slug: its period, platforms and violation types.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print OUT as PDF (same name, .pdf) with headless Chromium.")
    ] = False,
    at: Annotated[
        Optional[str], typer.Option("--at", help="Compute the figures as of this time (ISO 8601) \\[default: now].")
    ] = None,
    data_dir: DataDirOption = None,
    db: DbOption = None,
    policy_file: PolicyOption = None,
) -> None:
    """Write a transparency report: findings, cases, actions, appeals, time to action, notices to platforms,
    campaign figures and typical cases, with charts, in one HTML file that loads nothing from the network.

    Personal data is always redacted: account and post ids become pseudonyms ("account A"), phone, ID and card
    numbers, e-mail and home addresses are masked. There is no option to turn this off.
    """
    if (period is None) == (campaign is None):
        raise fail("give either --period FIRST..LAST or --campaign SLUG")
    moment = parse_time(at, "--at") if at else datetime.now(UTC)
    chosen_policy = policy_of(policy_file)
    root = resolve_data_dir(data_dir)
    findings_log = FindingStore(root)
    if not findings_log.files():
        errors.print(f"[yellow]warning:[/] no findings log in {root / 'findings'}: the report will count no findings")
    accounts = StoreAccounts(root)
    try:
        with governance(db, data_dir) as session:
            scope: Scope
            if period is not None:
                first, last = parse_period(period)
                if last < first:
                    raise fail(f"the period ends ({last}) before it starts ({first})")
                scope = period_scope(first, last)
            else:
                known = [c.slug for c in list_campaigns(session)]
                if campaign not in known:
                    raise fail(f"no campaign {campaign!r}; the campaigns are: {', '.join(known) or 'none yet'}")
                scope = campaign_scope(session, str(campaign))
            with console.status("computing the figures…"):
                figures = build_figures(
                    session, chosen_policy, findings_log.records(), scope, Redactor(accounts), now=moment
                )
    finally:
        accounts.close()
    html = render_report(figures)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    console.print(
        f"report on {scope.title}: {figures.findings.total:,} findings, {figures.cases.opened:,} cases opened, "
        f"{figures.cases.decided:,} decided, {figures.appeals.decided:,} appeals decided, "
        f"{figures.notices.issued:,} notices; {figures.pseudonyms:,} ids pseudonymised"
    )
    console.print(f"HTML: {out}")
    if pdf:
        write_pdf(out)


def write_pdf(html: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        errors.print(
            "[yellow]warning:[/] no PDF: printing to PDF needs Chromium (`chromium` on PATH; on Debian/Ubuntu "
            "`apt-get install chromium`). Only the HTML was written; print it from any browser."
        )
        return
    try:
        with console.status("printing to PDF with headless Chromium…"):
            written = print_to_pdf(html, html.with_suffix(".pdf"), chromium)
    except PdfError as exc:
        raise fail(f"{exc}; the HTML report is at {html}", code=1) from None
    console.print(f"PDF: {written}")
