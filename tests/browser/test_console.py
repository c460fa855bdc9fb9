"""The web console in headless Chromium, over the demo's data: log in, explore the top coordinated cluster, take a
case from open to decided with a second person's approval, appeal and overturn it and see its blacklist entry go,
and the accessibility basics (labels, keyboard, contrast, lang) on every main page."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Console, screenshot

pytestmark = pytest.mark.browser


def log_in(page: Any, console: Console, who: str, path: str = "/console/") -> None:
    page.goto(console.url(path))
    page.get_by_label("API key").fill(console.keys[who])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.locator(".who").inner_text().startswith(f"{'weibo' if who == 'weibo' else 'regulator'}/{who}")


def top_cluster(console: Console) -> dict[str, Any]:
    """The demo's top coordinated cluster and its case, as the API (an independent path) reports them."""
    headers = {"Authorization": f"Bearer {console.keys['admin']}"}
    api = console.url("/api/v1")
    clusters = httpx.get(f"{api}/findings", params={"kind": "coordination_cluster", "limit": 1000}, headers=headers)
    best = max(clusters.json()["items"], key=lambda f: f["score"])
    cases = httpx.get(f"{api}/cases", params={"limit": 1000}, headers=headers).json()["items"]
    case = next(c for c in cases if best["id"] in c["findings"])
    return {"finding": best, "case": case}


def flash(page: Any) -> str:
    return str(page.locator(".flash").first.inner_text())


def test_login_refuses_a_wrong_key_and_keeps_the_key_out_of_reach(console_server: Console, new_page: Any) -> None:
    page = new_page()
    page.goto(console_server.url("/console/cases"))
    assert "/console/login" in page.url  # not logged in: sent to the login page, remembering where to go
    page.get_by_label("API key").fill("fwk_000000000000.not-a-real-secret")
    page.get_by_role("button", name="Log in").click()
    assert "unknown" in page.locator("#login-error").inner_text()
    page.get_by_label("API key").fill(console_server.keys["alice"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/console/cases")
    assert page.get_by_role("heading", name="Case queue").is_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "floodwatch_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert console_server.keys["alice"].split(".")[1] not in cookie["value"]  # sealed, not readable
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read the session
    screenshot(page, "01-cases-queue")
    page.get_by_role("button", name="Log out").click()
    page.goto(console_server.url("/console/"))
    assert "/console/login" in page.url


def test_top_coordinated_cluster_graph(console_server: Console, new_page: Any) -> None:
    expected = top_cluster(console_server)["finding"]
    page = new_page()
    log_in(page, console_server, "alice")
    counters = page.locator(".counters")
    assert "Findings" in counters.inner_text()
    page.get_by_role("link", name="Explore the top coordinated cluster").click()
    page.wait_for_url(f"**/console/findings/{expected['id']}/graph")
    page.wait_for_selector("#cy[data-ready=true]")
    graph = page.locator("#cy")
    members = {s["id"] for s in expected["subjects"] if s["kind"] == "account"}
    assert int(graph.get_attribute("data-nodes")) == len(members) > 0
    assert int(graph.get_attribute("data-edges")) > 0
    assert page.locator("#cy canvas").count() > 0  # cytoscape drew it
    drawn = set(page.evaluate("window.floodwatchGraph.nodes().map(n => n.data('account_id'))"))
    assert drawn == members
    # click a node where it is drawn: its posts load into the side panel
    graph.scroll_into_view_if_needed()
    target = page.evaluate(
        """() => { const cy = window.floodwatchGraph; const n = cy.nodes()[0]; const p = n.renderedPosition();
                   const box = cy.container().getBoundingClientRect();
                   return {x: box.left + p.x, y: box.top + p.y, id: n.data('account_id')}; }"""
    )
    page.mouse.click(target["x"], target["y"])
    panel = page.locator("#posts")
    panel.get_by_role("heading", name=re.compile(f"Posts of {re.escape(target['id'])}")).wait_for()
    assert panel.locator("ol.posts > li time").count() > 0
    screenshot(page, "02-top-cluster-graph")


def test_findings_filter_updates_the_list_in_place(console_server: Console, new_page: Any) -> None:
    page = new_page()
    log_in(page, console_server, "alice", "/console/findings")
    rows = page.locator("#findings-results tbody tr")
    everything = rows.count()
    page.evaluate("window.untouched = true")  # survives only if htmx swapped the list instead of reloading the page
    page.get_by_label("Kind").select_option("coordination_cluster")
    page.wait_for_url("**/console/findings?kind=coordination_cluster*")
    page.wait_for_function(f"document.querySelectorAll('#findings-results tbody tr').length < {everything}")
    kinds = {rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())}
    assert kinds == {"coordination cluster"}
    assert page.evaluate("window.untouched") is True


def test_case_decided_with_second_approval_then_overturned_on_appeal(console_server: Console, new_page: Any) -> None:
    top = top_cluster(console_server)
    case_id, platform = top["case"]["id"], top["case"]["platforms"][0]
    assert top["case"]["state"] == "open"
    # the platform lists one of the cluster's accounts on the blacklist, citing the case
    submitted = httpx.post(
        console_server.url("/api/v1/blacklist/entries"),
        headers={"Authorization": f"Bearer {console_server.keys[platform]}"},
        json={
            "entries": [
                {
                    "kind": "account",
                    "hash": secrets.token_hex(32),
                    "reason_code": "coordinated_inauthentic_behaviour",
                    "confidence": 0.9,
                    "case_ref": case_id,
                }
            ]
        },
    )
    assert submitted.status_code == 201, submitted.text
    listed = f'#blacklist tbody tr[data-case="{case_id}"]'

    alice = new_page()
    log_in(alice, console_server, "alice", "/console/blacklist")
    assert alice.locator(listed).count() == 1
    # alice reviews and decides: a suspension, which needs a second person
    alice.goto(console_server.url(f"/console/cases/{case_id}"))
    assert alice.locator("#case-state").inner_text() == "open"
    alice.get_by_role("button", name="Start review").click()
    assert alice.locator("#case-state").inner_text() == "in review"
    alice.get_by_label("Violation", exact=True).check()
    alice.get_by_label("Action on every subject it applies to").select_option("suspend")
    alice.get_by_label(re.compile("^Reason")).fill("the cluster acted as one across nine days")
    alice.get_by_role("button", name="Record the decision").click()
    assert alice.locator("#case-state").inner_text() == "decided"
    pending = alice.locator("tr[id^=action-]", has_text="pending approval")
    assert pending.count() == len({s["id"] for s in top["case"]["subjects"] if s["kind"] == "account"})
    # the four-eyes rule: alice may not approve her own suspension
    alice.get_by_role("button", name=re.compile("^Approve")).first.click()
    assert "need a second person" in flash(alice)
    screenshot(alice, "03-case-decided-pending-approval")

    bob = new_page()
    log_in(bob, console_server, "bob", f"/console/cases/{case_id}")
    while bob.get_by_role("button", name=re.compile("^Approve")).count():
        bob.get_by_role("button", name=re.compile("^Approve")).first.click()
        assert "approved" in flash(bob)
    rows = bob.locator("tr[id^=action-]")
    assert rows.count() > 0
    for i in range(rows.count()):
        assert "active" in rows.nth(i).inner_text() and "regulator/bob" in rows.nth(i).inner_text()
    screenshot(bob, "04-case-approved-by-second-person")

    carol = new_page()
    log_in(carol, console_server, "carol", f"/console/cases/{case_id}")
    carol.get_by_label("Grounds").fill("the accounts belong to a fan club that posts together by arrangement")
    carol.get_by_role("button", name="File the appeal").click()
    assert "Appeal filed" in flash(carol)
    appeal = carol.locator("article.appeal").first
    assert "filed" in appeal.inner_text()

    # bob (neither the decider nor the appellant) overturns
    bob.reload()
    appeal = bob.locator("article.appeal").first
    appeal.get_by_label(re.compile("^Overturn")).check()
    appeal.get_by_label("Reason").fill("coordination by arrangement of real fans, not a water army")
    appeal.get_by_role("button", name="Decide the appeal").click()
    assert "decided" in flash(bob)
    assert bob.locator("#case-state").inner_text() == "closed"
    assert "overturned" in bob.locator("article.appeal").first.inner_text()
    actions = bob.locator("tr[id^=action-]")
    assert all("reversed" in actions.nth(i).inner_text() for i in range(actions.count()))
    screenshot(bob, "05-appeal-overturned")

    # the entry tied to the case is gone from the blacklist, and shows among the delisted ones
    bob.goto(console_server.url("/console/blacklist"))
    assert bob.locator(listed).count() == 0
    screenshot(bob, "06-blacklist-after-overturn")
    bob.get_by_label("Status").select_option("delisted")
    bob.get_by_role("button", name="Show").click()
    assert "appeal_overturned" in bob.locator(listed).inner_text()


def test_platform_key_sees_only_what_the_api_shows_it(console_server: Console, new_page: Any) -> None:
    page = new_page()
    log_in(page, console_server, "weibo")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Blacklist").is_visible()
    assert nav.get_by_role("link", name="Findings").count() == 0
    assert "Findings" not in page.locator(".counters").inner_text()
    response = page.goto(console_server.url("/console/findings"))
    assert response.status == 403
    assert "platform role may not" in page.locator(".flash").inner_text()


# -- accessibility ----------------------------------------------------------------------------------------------

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML)"""

FOCUSABLE = """() => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
  .filter(e => e.tabIndex >= 0 && !e.disabled && e.type !== 'hidden' && e.getClientRects().length)
  .filter(e => !(e.type === 'radio' && !e.checked && document.querySelector(
      `input[type=radio][name="${e.name}"]:checked`)))
  .filter(e => !(e.type === 'radio' && e !== document.querySelector(`input[type=radio][name="${e.name}"]`)
      && !document.querySelector(`input[type=radio][name="${e.name}"]:checked`)))
  .map(e => e.outerHTML.slice(0, 120))"""

ACTIVE = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  return {html: e.outerHTML.slice(0, 120), outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          positive: e.tabIndex > 0}; }"""

# The lowest contrast between any text and the background it is drawn on (WCAG 2.1 relative luminance).
CONTRAST = """() => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => {
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bg = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3); } return [255, 255, 255]; };
  let worst = {ratio: 99, html: ''};
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('svg, .visually-hidden, .skip-link, script, style') || !e.getClientRects().length) continue;
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const a = lum(rgb(getComputedStyle(e).color)), b = lum(bg(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst.ratio) worst = {ratio, html: e.outerHTML.slice(0, 100)};
  }
  return worst; }"""


def main_pages(console: Console) -> list[str]:
    top = top_cluster(console)
    return [
        "/console/",
        "/console/findings",
        f"/console/findings/{top['finding']['id']}",
        f"/console/findings/{top['finding']['id']}/graph",
        "/console/cases",
        f"/console/cases/{top['case']['id']}",
        "/console/cases/C-2",
        "/console/blacklist",
        "/console/notices",
        "/console/campaigns",
        "/console/reports",
    ]


def check_page(page: Any, path: str) -> None:
    assert page.evaluate("document.documentElement.lang") == "en", path
    assert page.evaluate(UNLABELLED) == [], f"{path}: form fields without a label"
    contrast = page.evaluate(CONTRAST)
    assert contrast["ratio"] >= 4.5, f"{path}: text contrast {contrast['ratio']:.2f}:1 at {contrast['html']}"
    focusable = page.evaluate(FOCUSABLE)
    # Tab from the top of a freshly loaded page: the skip link first, then every focusable element in document
    # order, focus always visible
    reached = []
    for _ in range(min(len(focusable), 60)):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        assert active["outline"], f"{path}: no visible focus on {active['html']}"
        assert not active["positive"], f"{path}: a positive tabindex breaks the tab order at {active['html']}"
        reached.append(active["html"])
    assert reached == focusable[: len(reached)], f"{path}: the tab order is not the document order"
    assert "skip-link" in reached[0], path


def test_accessibility_basics_on_every_main_page(console_server: Console, new_page: Any) -> None:
    page = new_page()
    page.goto(console_server.url("/console/login"))
    check_page(page, "/console/login")
    page.get_by_label("API key").fill(console_server.keys["admin"])
    page.keyboard.press("Enter")  # the login form works from the keyboard
    page.wait_for_url("**/console/")
    for path in main_pages(console_server):
        page.goto(console_server.url(path))
        page.wait_for_load_state("networkidle")
        check_page(page, path)
    # the skip link: visible when focused, and it moves focus past the navigation to the content
    page.goto(console_server.url("/console/cases"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    screenshot(page, "07-skip-link")
