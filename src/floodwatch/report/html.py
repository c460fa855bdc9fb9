"""The report as one self-contained HTML file: Jinja2 template, inline CSS, inline SVG charts, no script.

Everything the page needs is inside it (the CSS is included from the package, the charts are inline SVG), so it
opens offline, can be archived or mailed as one file, and prints to PDF as it is. Autoescaping is on: the only
markup inserted unescaped is the charts' SVG, which pygal builds (and escapes) from the figures.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from floodwatch import __version__
from floodwatch.report import charts
from floodwatch.report.figures import NOTICE_OUTCOMES, Delay, ReportFigures

TEMPLATE = "report.html.j2"

# What each kind of finding measures, for the method note. Behaviour, not viewpoint: none of them scores what a
# post argues for; a rumor finding rests on an independent fact-check of a claim, not on the report's judgement.
FINDING_METHODS: dict[str, str] = {
    "coordination_cluster": (
        "Groups of accounts that repeatedly act together — the same or near-identical text, the same links, "
        "reposts of or replies to the same posts, the same hashtags — within seconds to minutes of each other, "
        "more often than chance would give (keys everyone shares are discounted). Measured from timing and "
        "shared actions; the content of the posts does not enter the score."
    ),
    "manufactured_trend": (
        "A hashtag, topic or link whose sudden burst of volume came mostly from coordinated clusters or "
        "brand-new accounts rather than from many independent accounts."
    ),
    "rumor_match": (
        "Posts restating a claim that independent fact-checkers rated false (imported ClaimReview records), "
        "matched by text similarity in Chinese and English. The rating is the fact-checker's; closer matches "
        "confirm, weaker ones wait for a reviewer."
    ),
    "rumor_cascade": (
        "How posts restating a debunked claim spread: repost and reply trees, their reach, depth and speed, and "
        "the accounts through which most of the spread went."
    ),
    "key_account": "Accounts through which an unusual share of a debunked claim's spread passed.",
    "pile_on": (
        "Many distinct accounts replying to or mentioning one account within a short window, far above its "
        "usual inbound rate, with a high share of abusive language."
    ),
    "abusive_language": "Posts scored for insults, threats and harassment: how something is said to someone.",
    "doxxing": (
        "Posts exposing another person's personal data (resident ID, phone, card numbers, home addresses), "
        "validated by checksums and numbering plans, above all when aimed at someone. Values are kept only as "
        "keyed hashes."
    ),
    "pii_exposure": "Posts that carry personal data of a kind the doxxing detector validates, not aimed at anyone.",
    "traffic_diversion": (
        "Accounts that repeatedly push the same contact (phone, messenger id, link) to pull readers elsewhere, "
        "the pattern of fraud and spam operations."
    ),
}

LIMITS: tuple[str, ...] = (
    "Detectors find patterns of behaviour; a finding is a lead for a reviewer, not a verdict. Only decided cases "
    "count as violations, and an appeal can still overturn them.",
    "Findings are counted in the period in which their evidence starts; governance figures count the events "
    "recorded in the period. A finding with subjects on several platforms counts once for each platform.",
    "Coordination that stays below the detectors' thresholds, or that uses accounts and channels floodwatch does "
    "not see, is not in these figures. The simulated or collected data may not cover every platform equally.",
    "Times are those the governance log recorded (the server's clock and the reviewer's name as given); a delay "
    "that would be negative (a case recorded as opened before its evidence ended) is left out and counted.",
    "Account and post ids are replaced by pseudonyms (\u201caccount A\u201d) that hold for this report only; personal "
    "data in free text is masked by floodwatch's PII detector, which finds Chinese and US identity, phone and card "
    "numbers, e-mail and Chinese home addresses. Ids written in Chinese characters are replaced only when they "
    "are a subject of the text they appear in. Reviewers' notes and names are never shown.",
)


def hours(value: float | None) -> str:
    """3.5 → "3.5 hours", 50 → "2.1 days"."""
    if value is None:
        return "–"
    return f"{value:,.1f} hours" if value < 48 else f"{value / 24:,.1f} days"


def number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}" if isinstance(value, int) or float(value).is_integer() else f"{value:,.2f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def label(name: str) -> str:
    """`restrict_posting` → "restrict posting"."""
    return name.replace("_", " ")


def _svg(markup: str) -> Markup:
    return Markup(markup)  # built by pygal from the figures, its text escaped by its XML writer


def _delay_chart(title: str, delay: Delay) -> Markup | None:
    if not delay.count:
        return None
    return _svg(charts.bar_chart(title, delay.bins, series_name="cases"))


def build_charts(f: ReportFigures) -> dict[str, Markup | None]:
    """The report's charts (None where there is nothing to draw: the template says so in words)."""
    rungs = f.actions.rungs
    notices = f.notices.by_kind
    appeals = {"filed": f.appeals.filed, "upheld": f.appeals.upheld, "overturned": f.appeals.overturned}
    return {
        "findings_by_kind": _svg(
            charts.bar_chart(
                "Findings by kind", {label(k): v for k, v in f.findings.by_kind.items()}, series_name="findings"
            )
        )
        if f.findings.by_kind
        else None,
        "findings_by_platform": _svg(
            charts.bar_chart("Findings by platform", f.findings.by_platform, series_name="findings")
        )
        if f.findings.by_platform
        else None,
        "finding_to_case": _delay_chart("Time from finding to case opened", f.cases.finding_to_case),
        "case_to_decision": _delay_chart("Time from case opened to decision", f.cases.case_to_decision),
        "actions": _svg(
            charts.grouped_bar_chart(
                "Actions by type",
                [label(r) for r in rungs],
                {
                    "took effect": [f.actions.took_effect[r] for r in rungs],
                    "reversed": [f.actions.reversed[r] for r in rungs],
                    "rejected at approval": [f.actions.rejected[r] for r in rungs],
                },
            )
        )
        if rungs
        else None,
        "appeals": _svg(charts.bar_chart("Appeals", appeals, series_name="appeals"))
        if f.appeals.filed or f.appeals.decided
        else None,
        "notices": _svg(
            charts.grouped_bar_chart(
                "Notices by kind and response",
                [label(k) for k in notices],
                {outcome: [notices[k][outcome] for k in notices] for outcome in NOTICE_OUTCOMES},
                stacked=True,
            )
        )
        if notices
        else None,
    }


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("floodwatch.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt figure fails the render instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(hours=hours, number=number, percent=percent, label=label)
    return env


def render_report(figures: ReportFigures) -> str:
    """The whole report as one HTML document."""
    context: dict[str, Any] = {
        "f": figures,
        "charts": build_charts(figures),
        "methods": {
            kind: FINDING_METHODS.get(kind, "See the detector's documentation.") for kind in figures.findings.by_kind
        },
        "all_methods": FINDING_METHODS,
        "limits": LIMITS,
        "notice_outcomes": NOTICE_OUTCOMES,
        "version": __version__,
    }
    return environment().get_template(TEMPLATE).render(context)
