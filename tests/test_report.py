"""Transparency reports: figures from the governance and findings logs, redaction, charts, HTML, CLI and PDF.

A small governance history is built with the govern functions (its figures are known from what the test did);
the demo (20k posts, seed 3, run once for the module) supplies realistic data whose raw phone and ID numbers
must not reach the report.
"""

from __future__ import annotations

import itertools
import re
import stat
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch.commands.demo import CAMPAIGN, demo_command
from floodwatch.commands.report import report_command
from floodwatch.detect.pii import detect_pii
from floodwatch.govern.appeals import decide_appeal, file_appeal
from floodwatch.govern.campaigns import create_campaign
from floodwatch.govern.cases import SubjectRef, list_cases, open_case, open_from_findings, start_review
from floodwatch.govern.db import open_database, transaction
from floodwatch.govern.enforcement import ActionSpec, approve, decide, tick
from floodwatch.govern.oversight import issue_notice, register_platform, respond
from floodwatch.govern.policy import load_policy
from floodwatch.govern.publish import publish_typical_case
from floodwatch.report import charts
from floodwatch.report.figures import ReportFigures, build_figures, campaign_scope, period_scope
from floodwatch.report.html import render_report
from floodwatch.report.pdf import find_chromium, print_to_pdf
from floodwatch.report.privacy import Redactor, StoreAccounts
from floodwatch.schema import Finding, Subject
from floodwatch.sim.pii import mobile_number, resident_id
from floodwatch.store.events import EventStore
from floodwatch.store.findings import FindingStore

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
PHONE = "138-1234-5678"
PHONE2 = "13987654321"
RESIDENT_ID = resident_id(np.random.default_rng(11))
ACCOUNTS = ("u-alpha", "u-beta", "u-gamma", "u-delta", "u-victim", "d-one")
SVG_NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def finding(
    kind: str, platform: str, accounts: list[str], start: datetime, end: datetime, text: str, **ev: object
) -> Finding:
    return Finding(
        kind=kind,
        score=0.9,
        subjects=tuple(Subject("account", platform, a) for a in accounts),
        start=start,
        end=end,
        explanation=text,
        evidence=dict(ev),
        detector="test",
        detector_version="1",
    )


@pytest.fixture
def governed(tmp_path: Path) -> Iterator[Path]:
    """A governance history whose every figure the test knows (see the asserts), in tmp_path."""
    policy = load_policy()
    found = [
        finding(
            "coordination_cluster",
            "weibo",
            ["u-alpha", "u-beta", "u-gamma"],
            T - timedelta(days=1),
            T - timedelta(hours=2),
            f"u-alpha, u-beta and u-gamma posted the same text; u-alpha wrote call {PHONE}, ID {RESIDENT_ID}",
        ),
        finding(
            "doxxing",
            "weibo",
            ["u-delta", "u-victim"],
            T - timedelta(hours=3),
            T - timedelta(hours=1),
            f"u-delta posted the phone {PHONE2} of u-victim",
            target="u-victim",
        ),
        finding("rumor_match", "douyin", ["d-one"], T, T + timedelta(hours=1), "d-one restated a debunked claim"),
        finding("coordination_cluster", "weibo", ["u-late"], T + timedelta(days=31), T + timedelta(days=31), "April"),
    ]
    FindingStore(tmp_path).append(found, "test")
    records = [f.to_dict() for f in found]
    engine = open_database(data_dir=tmp_path)
    alpha, beta, gamma, delta = (SubjectRef("account", "weibo", a) for a in ACCOUNTS[:4])
    try:
        with transaction(engine) as s:
            for slug in ("weibo", "douyin"):
                register_platform(s, "office", slug, slug, now=T - timedelta(days=2))
            create_campaign(
                s,
                "office",
                policy,
                slug="march-weibo",
                name="March clean-up on weibo",
                start=datetime(2026, 3, 1, tzinfo=UTC),
                end=datetime(2026, 4, 1, tzinfo=UTC),
                platforms=["weibo"],
                now=T - timedelta(days=2),
            )
            open_from_findings(s, "ana", policy, [records[0]], now=T)  # C-1: 2 h after its evidence ended
            open_from_findings(s, "ana", policy, [records[1]], now=T + timedelta(hours=1))  # C-2: 2 h
            open_from_findings(s, "ana", policy, [records[2]], now=T + timedelta(hours=2))  # C-3 douyin: 1 h
            hand = open_case(  # C-4, by hand, with personal data in its title
                s,
                "ana",
                policy,
                title=f"complaint about u-alpha, call {PHONE}",
                subjects=[alpha],
                violation="cyber_violence",
                now=T + timedelta(hours=3),
            )
            start_review(s, "C-1", "ben", now=T + timedelta(hours=1))
            specs = [ActionSpec("warning", alpha), ActionSpec("restrict_posting", beta), ActionSpec("suspend", gamma)]
            d1 = decide(
                s, "C-1", "ben", policy, outcome="violation", reason="r", actions=specs, now=T + timedelta(hours=5)
            )
            approve(s, d1.actions[-1].id, "cy", now=T + timedelta(hours=6))
            start_review(s, "C-2", "ben", now=T + timedelta(hours=2))
            decide(
                s,
                "C-2",
                "ben",
                policy,
                outcome="violation",
                reason="r",
                actions=[ActionSpec("warning", delta)],
                now=T + timedelta(hours=25),
            )
            start_review(s, hand.id, "ben", now=T + timedelta(hours=3))
            decide(s, hand.id, "ben", policy, outcome="no_violation", reason="r", now=T + timedelta(hours=4))
            ap1 = file_appeal(s, "C-1", "u-alpha", policy, grounds="g", now=T + timedelta(days=1))
            decide_appeal(s, ap1.id, "dee", outcome="overturned", reason="r", now=T + timedelta(days=2))
            ap2 = file_appeal(s, "C-2", "u-delta", policy, grounds="g", now=T + timedelta(days=3))
            decide_appeal(s, ap2.id, "dee", outcome="upheld", reason="r", now=T + timedelta(days=4))
            publish_typical_case(s, "C-2", "ana", policy, now=T + timedelta(days=5))
            n1 = issue_notice(
                s,
                "office",
                policy,
                platform="weibo",
                kind="reminder",
                about=f"rumor wave, hotline {PHONE}",
                cases=["C-1"],
                now=T,
            )
            respond(s, n1.id, "weibo", f"we removed posts by u-beta and called {PHONE}", now=T + timedelta(days=1))
            n2 = issue_notice(
                s, "office", policy, platform="weibo", kind="interview", about="i", now=T + timedelta(hours=1)
            )
            assert n2.deadline is not None
            assert tick(s, policy, n2.deadline).escalated_notices == [n2.id]  # → rectification order, 15 days
            respond(s, n2.id, "weibo", "late answer", now=datetime(2026, 4, 3, tzinfo=UTC))  # after March
            issue_notice(s, "office", policy, platform="douyin", kind="reminder", about="d", now=T)  # never answered
    finally:
        engine.dispose()
    yield tmp_path


def figures_of(
    data_dir: Path, campaign: str | None = None, now: datetime | None = None
) -> tuple[ReportFigures, Redactor]:
    engine = open_database(data_dir=data_dir)
    redactor = Redactor(StoreAccounts(data_dir))
    try:
        with transaction(engine) as s:
            scope = campaign_scope(s, campaign) if campaign else period_scope(*MARCH)
            figures = build_figures(
                s,
                load_policy(),
                FindingStore(data_dir).records(),
                scope,
                redactor,
                now=now or datetime(2026, 5, 1, tzinfo=UTC),
            )
    finally:
        engine.dispose()
    return figures, redactor


def test_the_figures_count_what_happened_in_the_period(governed: Path) -> None:
    f, _ = figures_of(governed)
    assert f.findings.total == 3  # the April finding is another period's
    assert f.findings.by_kind == {"coordination_cluster": 1, "doxxing": 1, "rumor_match": 1}
    assert f.findings.by_platform == {"weibo": 2, "douyin": 1}
    c = f.cases
    assert (c.opened, c.decided, c.violations, c.no_violation, c.closed) == (4, 3, 2, 1, 2)
    assert c.finding_to_case.count == 3 and c.finding_to_case.median_hours == 2.0
    assert c.case_to_decision.count == 3 and c.case_to_decision.median_hours == 5.0  # 1 h, 5 h, 24 h
    assert sum(c.case_to_decision.bins.values()) == 3 and c.case_to_decision.bins["1–3 days"] == 1
    a = f.actions
    assert {k: v for k, v in a.took_effect.items() if v} == {"warning": 2, "restrict_posting": 1, "suspend": 1}
    assert {k: v for k, v in a.reversed.items() if v} == {"warning": 1, "restrict_posting": 1, "suspend": 1}
    assert a.accounts_actioned == 4 and a.awaiting_approval == 0
    ap = f.appeals
    assert (ap.filed, ap.decided, ap.upheld, ap.overturned, ap.actions_reversed) == (2, 2, 1, 1, 3)
    assert ap.overturn_rate == 0.5
    n = f.notices
    assert (n.issued, n.late, n.escalated) == (3, 2, 1)
    status = {row.id: (row.status, row.level, row.late) for row in n.notices}
    # N-2 was answered only in April: at the end of March it was escalated and past its new deadline
    assert status == {
        "N-1": ("answered", "reminder", False),
        "N-2": ("overdue", "rectification_order", True),
        "N-3": ("overdue", "reminder", True),
    }
    assert n.by_kind["reminder"] == {"answered on time": 1, "answered late": 0, "unanswered": 1}
    assert [t.violation for t in f.typical_cases] == ["doxxing"]
    assert [c.campaign for c in f.campaigns] == ["march-weibo"]


def test_a_campaign_report_keeps_to_its_platforms(governed: Path) -> None:
    f, _ = figures_of(governed, "march-weibo")
    assert f.findings.by_platform == {"weibo": 2}
    assert f.cases.opened == 3  # the douyin rumor case is out of scope
    assert {row.platform for row in f.notices.notices} == {"weibo"}
    stats = f.campaigns[0]
    assert stats.cases_opened == f.cases.opened and stats.violations_found == f.cases.violations


def test_figures_of_a_closed_period_do_not_change_later(governed: Path) -> None:
    early, _ = figures_of(governed, now=datetime(2026, 4, 2, tzinfo=UTC))
    late, _ = figures_of(governed, now=datetime(2026, 9, 1, tzinfo=UTC))
    assert early.notices == late.notices and early.cases == late.cases and early.appeals == late.appeals


def test_free_text_is_pseudonymised_and_personal_data_masked(governed: Path) -> None:
    f, redactor = figures_of(governed)
    page = render_report(f)
    for raw in (PHONE, digits(PHONE), PHONE2, RESIDENT_ID):
        assert raw not in page
    for account in ACCOUNTS:
        assert not re.search(rf"(?<![\w-]){re.escape(account)}(?![\w-])", page), account
    assert "[MOBILE_CN]" in page and "[ID_CN]" in page
    # the same account has the same pseudonym in a finding's explanation and in the typical case
    delta = redactor.pseudonyms.name("account", "u-delta")
    example = next(x for x in f.findings.examples if x.kind == "doxxing")
    assert delta in example.explanation and delta in f.typical_cases[0].what_was_found[0]
    beta = redactor.pseudonyms.name("account", "u-beta")
    assert any(beta in row.response for row in f.notices.notices)  # cited case C-1 names u-beta


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    ident=st.from_regex(r"[a-z]{3,8}_[0-9]{4,8}", fullmatch=True),
    filler=st.lists(st.text(alphabet="的了是在 ，。!?：（）“”", max_size=12), min_size=4, max_size=4),
)
def test_clean_leaves_no_subject_id_nor_number(seed: int, ident: str, filler: list[str]) -> None:
    rng = np.random.default_rng(seed)
    phone, card = mobile_number(rng), resident_id(rng)
    text = f"{filler[0]} {ident} {filler[1]} {phone} {filler[2]} {card} {filler[3]}"
    cleaned = Redactor().clean(text, [SubjectRef("account", "weibo", ident)])
    assert ident not in cleaned and phone not in cleaned and card not in cleaned
    assert "account A" in cleaned


# --- charts ---------------------------------------------------------------------------------------------------


def test_a_chart_is_accessible_svg_without_script() -> None:
    svg = charts.bar_chart("Findings by kind", {"pile on": 3, "doxxing": 12})
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
    assert title is not None and desc is not None
    assert title.text == "Findings by kind" and desc.text == "pile on: 3; doxxing: 12."
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert not list(root.iter(f"{ns}script"))
    assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= SVG_NAMESPACES
    assert svg == charts.bar_chart("Findings by kind", {"pile on": 3, "doxxing": 12})  # stable output


@given(st.floats(0, 1e7, allow_nan=False))
def test_integer_ticks_cover_the_values_evenly(maximum: float) -> None:
    ticks = charts.integer_ticks(maximum)
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert ticks[0] == 0 and ticks[-1] >= maximum and len(ticks) <= 11 and len(steps) == 1


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_colours_meet_wcag_aa_on_white() -> None:
    css = (Path(charts.__file__).parent / "templates" / "report.css").read_text()
    declared = dict(re.findall(r"--(text|subtle|link):\s*(#[0-9a-fA-F]{6})", css))
    assert set(declared) == {"text", "subtle", "link"}
    for colour in [*declared.values(), charts.TEXT_COLOUR, charts.SUBTLE_TEXT_COLOUR, *charts.PALETTE]:
        assert contrast(colour, "#ffffff") >= 4.5, colour


# --- HTML structure -------------------------------------------------------------------------------------------


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tables = 0
        self.tables_with_headers = 0
        self.captions = 0
        self.lang: str | None = None
        self._in_table = False
        self._seen_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "table":
            self.tables += 1
            self._seen_th = False
        elif tag == "th":
            self._seen_th = True
        elif tag == "caption":
            self.captions += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.tables_with_headers += self._seen_th


def check_page(page: str) -> Outline:
    """What every report must be: self-contained, script-free, charts inline, headings in order, tables headed."""
    assert "<script" not in page.lower() and "<link" not in page.lower() and "@import" not in page
    assert set(re.findall(r"https?://[^\s\"'<>)]+", page)) <= SVG_NAMESPACES
    outline = Outline()
    outline.feed(page)
    assert outline.lang == "en"
    assert outline.headings[0] == 1 and outline.headings.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(outline.headings))
    assert outline.tables == outline.tables_with_headers == outline.captions > 0
    return outline


def test_the_report_page_is_self_contained_and_accessible(governed: Path) -> None:
    f, _ = figures_of(governed)
    page = render_report(f)
    check_page(page)
    svgs = re.findall(r"<svg\b[^>]*>", page)
    # findings by kind and platform, two delays, actions, appeals, notices
    assert len(svgs) == 7 and all('role="img"' in s for s in svgs)
    assert len(set(re.findall(r'<svg\b[^>]*\bid="([^"]+)"', page))) == 7  # ids unique on the page
    assert f"floodwatch audit verify --anchor {f.audit_head[0]}:{f.audit_head[1]}" in page


# --- the command ----------------------------------------------------------------------------------------------


def report_app() -> typer.Typer:
    app = typer.Typer()
    app.command()(report_command)
    return app


def test_the_command_needs_one_scope_and_a_readable_period(governed: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(governed), "--out", str(tmp_path / "r.html")]
    assert runner.invoke(report_app(), base).exit_code == 2
    both = runner.invoke(report_app(), [*base, "--period", "2026-03-01..2026-03-31", "--campaign", "march-weibo"])
    assert both.exit_code == 2 and "either" in both.output
    bad = runner.invoke(report_app(), [*base, "--period", "March"])
    assert bad.exit_code == 2 and "FIRST..LAST" in bad.output
    missing = runner.invoke(report_app(), [*base, "--campaign", "nope"])
    assert missing.exit_code == 2 and "march-weibo" in missing.output
    assert not (tmp_path / "r.html").exists()


def test_pdf_without_chromium_writes_the_html_and_says_so(
    governed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "r.html"
    args = ["--campaign", "march-weibo", "--data-dir", str(governed), "--out", str(out), "--pdf"]
    result = CliRunner().invoke(report_app(), args)
    assert result.exit_code == 0, result.output
    assert "needs Chromium" in result.output
    assert out.is_file() and not out.with_suffix(".pdf").exists()


def test_pdf_is_printed_by_headless_chromium(governed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in `chromium` records its arguments and writes the file --print-to-pdf names."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "chromium"
    fake.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{tmp_path / "args.txt"}"\n'
        'for a in "$@"; do case "$a" in --print-to-pdf=*) printf "%%PDF-1.4" > "${a#--print-to-pdf=}";; esac; done\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        report_app(), ["--period", "2026-03-01..2026-03-31", "--data-dir", str(governed), "--out", str(out), "--pdf"]
    )
    assert result.exit_code == 0, result.output
    args = (tmp_path / "args.txt").read_text().split("\n")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ):
        assert flag in args
    assert f"--print-to-pdf={out.with_suffix('.pdf').resolve()}" in args and out.resolve().as_uri() in args
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.browser
def test_headless_chromium_prints_the_report(governed: Path, tmp_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("SKIPPED LOUDLY: Chromium is not installed (apt-get install chromium)")
    html = tmp_path / "r.html"
    html.write_text(render_report(figures_of(governed)[0]), encoding="utf-8")
    pdf = print_to_pdf(html, tmp_path / "r.pdf", chromium)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000  # text, tables and 7 charts


# --- the demo's data ------------------------------------------------------------------------------------------


def planted_numbers(data_dir: Path) -> dict[str, set[str]]:
    """The demo's phone and ID numbers, as written in its posts and as normalised values."""
    con = EventStore(data_dir).connect()
    try:
        texts = [t for (t,) in con.execute("SELECT text FROM posts WHERE text IS NOT NULL").fetchall()]
    finally:
        con.close()
    found: dict[str, set[str]] = {"mobile_cn": set(), "id_cn": set()}
    for text in texts:
        for m in detect_pii(text, found.keys()):
            found[m.kind].update({text[m.start : m.end], m.value})
    return found


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo at 20k posts, seed 3, run in-process once; a doxxing case decided and published and a notice
    quoting the planted numbers, so that they reach the report's free text; then the campaign's report."""
    out = tmp_path_factory.mktemp("demo")
    app = typer.Typer()
    app.command()(demo_command)
    result = CliRunner().invoke(app, ["--out", str(out), "--posts", "20000", "--seed", "3"])
    assert result.exit_code == 0, result.output
    data_dir = out / "data"
    numbers = planted_numbers(data_dir)
    quoted = f"posts exposed {min(numbers['mobile_cn'])} and {min(numbers['id_cn'])}"
    policy = load_policy()
    engine = open_database(data_dir=data_dir)
    try:
        with transaction(engine) as s:
            case = next(c for c in list_cases(s) if c.violation == "doxxing")
            moment = (case.opened_at or T) + timedelta(hours=1)
            start_review(s, case.id, "ben", now=moment)
            decide(s, case.id, "ben", policy, outcome="violation", reason=quoted, now=moment)
            publish_typical_case(s, case.id, "ana", policy, now=moment)
            platform = case.platforms[0]
            notice = issue_notice(
                s, "office", policy, platform=platform, kind="reminder", about=quoted, cases=[case.id], now=moment
            )
            respond(s, notice.id, platform, f"removed: {quoted}", now=moment + timedelta(hours=3))
    finally:
        engine.dispose()
    page = out / "report.html"
    made = CliRunner().invoke(report_app(), ["--campaign", CAMPAIGN, "--data-dir", str(data_dir), "--out", str(page)])
    assert made.exit_code == 0, made.output
    return data_dir, page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_demo_report_holds_no_raw_phone_or_id_number(demo_report: tuple[Path, str]) -> None:
    data_dir, page = demo_report
    planted = planted_numbers(data_dir)
    assert all(planted.values()), "the demo should plant phone and ID numbers in its doxxing posts"
    assert "[MOBILE_CN]" in page and "[ID_CN]" in page  # they reached the report's text, masked
    for kind, values in planted.items():
        assert not [v for v in values if v in page], kind
    visible = set(
        re.findall(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_]", re.sub(r"<svg.*?</svg>", "", page, flags=re.S))
    )
    con = EventStore(data_dir).connect()
    try:
        authors = {a for (a,) in con.execute("SELECT DISTINCT account_id FROM posts").fetchall() if len(a) >= 5}
    finally:
        con.close()
    assert not visible & authors  # every account id became a pseudonym


@pytest.mark.slow
def test_the_demo_report_has_its_charts_inline(demo_report: tuple[Path, str]) -> None:
    _, page = demo_report
    check_page(page)
    assert "Findings by kind" in page and "Findings by platform" in page
    assert len(re.findall(r"<svg\b[^>]*role=\"img\"", page)) >= 3  # findings by kind, by platform, actions
    assert "Typical cases" in page and "doxxing on " in page
