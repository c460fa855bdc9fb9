"""The debunked-claim store: ClaimReview JSON-LD, CSV and JSONL import, bad records, idempotence, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch.commands.claims import claims_app
from floodwatch.detect.claims import ClaimFormatError, ClaimStore, derived_id, read_claims

REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example.org/en/sunnyfarm",
    "claimReviewed": "SunnyFarm frozen chicken contains plastic fibers",
    "author": {"@type": "Organization", "name": "Example Fact Check Center"},
    "datePublished": "2026-02-03T10:00:00Z",
    "inLanguage": "en-US",
    "reviewRating": {"@type": "Rating", "ratingValue": 1, "alternateName": "False"},
}
REVIEW_ZH = {
    "@type": "ClaimReview",
    "url": "https://factcheck.example.org/zh/kangfu",
    "claimReviewed": "康福牌方便面的面饼含有塑料成分，长期食用会致癌",
    "author": [{"@type": "Organization", "name": "示例联合辟谣平台"}],
    "datePublished": "2026-01-20",
    "inLanguage": {"@type": "Language", "name": "Chinese", "alternateName": "zh-CN"},
    "reviewRating": {"ratingValue": "1", "alternateName": "不实"},
}


def write(path: Path, content: object) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), "utf-8")
    return path


def test_claimreview_list_single_and_graph(tmp_path: Path) -> None:
    as_list = write(tmp_path / "list.json", [REVIEW, REVIEW_ZH])
    single = write(tmp_path / "single.jsonld", REVIEW)
    graph = write(
        tmp_path / "graph.json",
        {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "x"}, REVIEW_ZH]},
    )
    claims = [c for _, c, _ in read_claims(as_list) if c]
    assert [c.text for c in claims] == [REVIEW["claimReviewed"], REVIEW_ZH["claimReviewed"]]
    en, zh = claims
    assert (en.verdict, en.rating_value, en.source, en.date, en.lang) == (
        "False",
        1.0,
        "Example Fact Check Center",
        "2026-02-03",
        "en",
    )
    assert (zh.verdict, zh.rating_value, zh.source, zh.date, zh.lang) == (
        "不实",
        1.0,
        "示例联合辟谣平台",
        "2026-01-20",
        "zh",
    )
    assert [c for _, c, _ in read_claims(single) if c] == [en]
    parsed = list(read_claims(graph))
    assert [c for _, c, _ in parsed if c] == [zh]
    assert (0, None, None) in parsed  # the WebPage node is context, not a bad record


def test_datafeed(tmp_path: Path) -> None:
    feed = {"@type": "DataFeed", "dataFeedElement": [{"@type": "DataFeedItem", "item": [REVIEW]}]}
    claims = [c for _, c, _ in read_claims(write(tmp_path / "feed.json", feed)) if c]
    assert [c.url for c in claims] == [REVIEW["url"]]


def test_bad_records_are_reported_with_line_and_reason(tmp_path: Path) -> None:
    bad_date = {**REVIEW, "datePublished": "last Tuesday"}
    no_text = {**REVIEW, "claimReviewed": "  "}
    path = write(tmp_path / "mixed.json", [REVIEW, bad_date, "oops", no_text])
    store = ClaimStore(tmp_path / "data")
    report = store.import_files([path])
    assert (report.read, report.added, report.rejected) == (4, 1, 3)
    reasons = {(b.line, b.reason.split(" ")[0]) for b in report.rejects}
    assert reasons == {(2, "date"), (3, "not"), (4, "no")}
    assert all(b.source == str(path) for b in report.rejects)

    jsonl = write(
        tmp_path / "c.jsonl", '{"text": "ok claim text here"}\n{broken\n\n{"text": "x", "rating_value": "high"}\n'
    )
    report = store.import_files([jsonl])
    assert [(b.line, b.reason[:6]) for b in report.rejects] == [(2, "not JS"), (4, "rating")]


def test_csv_with_column_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path / "checks.csv",
        "Claim ID,Statement,Rating,Checker,Reviewed,Link\n"
        "k1,SunnyFarm frozen chicken contains plastic fibers,False,Desk A,2026-02-01,https://x.example/1\n"
        'k2,"Riverton dam has cracked, city floods tonight",Misleading,Desk B,,\n'
        "k3,,False,Desk C,2026-02-01,\n"
        "k4,too,many,fields,here,x,y\n",
    )
    mapping = {
        "claim_id": "Claim ID",
        "text": "Statement",
        "verdict": "Rating",
        "source": "Checker",
        "date": "Reviewed",
    }
    parsed = list(read_claims(path, "auto", mapping))
    ok = [c for _, c, _ in parsed if c]
    assert [(c.claim_id, c.verdict, c.source, c.url) for c in ok] == [
        ("k1", "False", "Desk A", "https://x.example/1"),  # "Link" found by its usual name
        ("k2", "Misleading", "Desk B", None),
    ]
    assert ok[1].text == "Riverton dam has cracked, city floods tonight"
    assert [(line, reason) for line, c, reason in parsed if c is None] == [
        (4, "no claim text"),
        (5, "7 fields where the header has 6"),
    ]
    with pytest.raises(ClaimFormatError, match="Nope"):
        list(read_claims(path, "csv", {"text": "Nope"}))
    with pytest.raises(ClaimFormatError, match="unknown claim fields"):
        list(read_claims(path, "csv", {"txt": "Statement"}))


def test_reimport_is_idempotent_and_updates_revised_claims(tmp_path: Path) -> None:
    store = ClaimStore(tmp_path / "data")
    path = write(tmp_path / "a.json", [REVIEW, REVIEW_ZH])
    first = store.import_files([path])
    before = store.path.read_bytes()
    again = store.import_files([path])
    assert (first.added, again.added, again.unchanged, again.updated) == (2, 0, 2, 0)
    assert store.path.read_bytes() == before  # nothing rewritten
    # the same claim through another format is the same claim (no id given: derived from text and URL)
    line = {"text": REVIEW["claimReviewed"], "url": REVIEW["url"], "verdict": "False"}
    other = store.import_files([write(tmp_path / "b.jsonl", json.dumps(line) + "\n")])
    assert (other.added, other.updated) == (0, 1)
    assert len(store) == 2
    revised = {**REVIEW, "reviewRating": {"alternateName": "Misleading"}}
    report = store.import_files([write(tmp_path / "c.json", revised)])
    assert (report.added, report.updated) == (0, 1)
    rows = {r["claim_id"]: r for r in store.table().to_pylist()}
    assert rows[derived_id(REVIEW["claimReviewed"], REVIEW["url"])]["verdict"] == "Misleading"
    assert not list(store.dir.glob(".*.tmp"))


def _variant(text: str) -> str:
    """Another spelling of the same claim: upper case, full-width letters, doubled and padded spaces."""
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in text.upper())
    return "  " + wide.replace(" ", " \t ") + "\n"


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcxyz 0123康福方便面塑料")), min_size=1, max_size=40).filter(str.strip))
def test_derived_id_ignores_case_width_and_spacing(text: str) -> None:
    assert derived_id(_variant(text), "u") == derived_id(text, "u") != derived_id(text + "!", "u")
    assert derived_id(text, "u") != derived_id(text, "v")


def test_cli_import_and_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = write(tmp_path / "a.json", [REVIEW, REVIEW_ZH, {"@type": "ClaimReview"}])
    runner = CliRunner()
    result = runner.invoke(claims_app, ["import", str(path), "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert "2 claims in" in result.output
    listed = runner.invoke(claims_app, ["list", "--data-dir", str(data)])
    assert listed.exit_code == 0, listed.output
    assert "Debunked claims (2)" in listed.output and "2026-01-20" in listed.output and "2026-02-03" in listed.output
    assert runner.invoke(claims_app, ["import", str(path), "--format", "xml", "--data-dir", str(data)]).exit_code == 2
    assert runner.invoke(claims_app, ["list", "--data-dir", str(tmp_path / "empty")]).exit_code == 2
