"""Traffic-diversion destinations, including the disguises posters use to slip past keyword filters."""

from __future__ import annotations

import duckdb
import pytest

from floodwatch.detect.diversion import destinations, destinations_sql


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("带你一起副业月入过万 +v jamie35763", ["wechat:jamie35763"]),
        ("要的私，V❤：jamie35763", ["wechat:jamie35763"]),
        ("薇信 jamie35763 速来", ["wechat:jamie35763"]),
        ("加微信号：Seller_Shop1", ["wechat:seller_shop1"]),
        ("ｖｘ：ｓｅｌｌｅｒ８８", ["wechat:seller88"]),  # full-width letters fold under NFKC
        ("Q群 12345678", ["qq:12345678"]),
        ("扣扣群：1234567 和 QQ群7654321", ["qq:1234567", "qq:7654321"]),
        ("join t.me/cheap_deals now", ["telegram:cheap_deals"]),
        ("Telegram: @LoanFast2", ["telegram:loanfast2"]),
        ("电话13812345678咨询", ["phone:13812345678"]),
        ("邀请码 AB12CD 注册送", ["invite:ab12cd"]),
    ],
)
def test_destinations_found(text: str, expected: list[str]) -> None:
    assert destinations(text) == expected


@pytest.mark.parametrize(
    "text",
    ["version v2 is out", "my qq is great", "order 1381234567890123", "the tg was 5", "call 123456 now", ""],
)
def test_ordinary_text_has_no_destination(text: str) -> None:
    assert destinations(text) == []


def test_sql_twin_agrees_with_python() -> None:
    texts = ["+v jamie35763 and Q群 12345678", "电话13812345678", "nothing here", "t.me/cheap_deals"]
    con = duckdb.connect()
    rows = con.execute(f"SELECT list_sort({destinations_sql('t')}) FROM (SELECT unnest(?) AS t)", [texts]).fetchall()
    assert [r[0] for r in rows] == [sorted(destinations(t)) for t in texts]
