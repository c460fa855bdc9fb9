"""PII detection and redaction: checksums, CJK and full-width text, separators, whole digit runs, the CLI."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import orjson
import pyarrow as pa
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from floodwatch.detect.pii import (
    KINDS,
    LABELS,
    PiiMatch,
    detect_pii,
    may_contain_pii,
    redact,
    redact_texts,
)

# --- independent reference implementations (not the module's code) ----------------------------------------------


def id_check(first17: str) -> str:
    """GB 11643 check character, computed as in the standard's text: weights 2^(17-i) mod 11."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    check = (12 - sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11) % 11
    return "X" if check == 10 else str(check)


def with_luhn(body: str) -> str:
    """`body` plus the Luhn check digit that makes it valid."""
    for d in "0123456789":
        digits = [int(c) for c in body + d][::-1]
        total = sum(x if i % 2 == 0 else (x * 2 if x < 5 else x * 2 - 9) for i, x in enumerate(digits))
        if total % 10 == 0:
            return body + d
    raise AssertionError("unreachable")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def found(text: str, kinds: tuple[str, ...] = KINDS) -> list[tuple[str, str]]:
    """(kind, original substring) of every match."""
    return [(m.kind, text[m.start : m.end]) for m in detect_pii(text, kinds)]


ID_X = "11010519491231002X"  # the standard's own example: Beijing Dongcheng, born 1949-12-31
ID_DIGIT = "440305198904185316"
UNIONPAY = with_luhn("622202123456789012")  # 19 digits
VISA = with_luhn("411111111111111")
MASTERCARD_2 = with_luhn("222100000000001")  # the 2221-2720 Mastercard range


# --- resident ID numbers --------------------------------------------------------------------------------------


def test_reference_check_character_agrees_with_known_numbers() -> None:
    assert id_check(ID_X[:17]) == "X"
    assert id_check(ID_DIGIT[:17]) == ID_DIGIT[17]


@pytest.mark.parametrize(
    "number", [ID_X, ID_X.lower(), ID_DIGIT, "110105200002290015"[:17] + id_check("11010520000229001")]
)
def test_valid_resident_ids_are_found(number: str) -> None:
    assert found(f"身份证号{number}，") == [("id_cn", number)]
    assert detect_pii(number)[0].value == number.upper()


@pytest.mark.parametrize(
    "first17",
    [
        "11010519490230002",  # 30 February
        "11010519491331002",  # month 13
        "11010518991231002",  # born before 1900
        "11010520991231002",  # born in the future
        "00010519491231002",  # province 00
        "99010519491231002",  # province 99
    ],
)
def test_ids_with_a_correct_check_character_but_impossible_fields_are_not_found(first17: str) -> None:
    number = first17 + id_check(first17)
    assert [k for k, _ in found(f"证件 {number} 。")] == []


def test_a_wrong_check_character_is_not_an_id() -> None:
    wrong = next(c for c in "0123456789X" if c != ID_DIGIT[17])
    assert found(f"身份证{ID_DIGIT[:17]}{wrong}") == []


def test_an_id_written_in_groups_is_found_whole() -> None:
    text = f"ID: {ID_X[:6]} {ID_X[6:14]} {ID_X[14:]} thanks"
    assert found(text) == [("id_cn", f"{ID_X[:6]} {ID_X[6:14]} {ID_X[14:]}")]


def test_legacy_15_digit_ids_need_a_keyword_and_a_real_date() -> None:
    legacy = "110105491231002"  # 1949-12-31
    assert found(f"身份证{legacy}") == [("id_cn", legacy)]
    assert found(f"ID number: {legacy}.") == [("id_cn", legacy)]
    assert found(f"订单{legacy}") == []  # no keyword: a 15-digit number without a checksum is too weak
    assert found("身份证110105491331002") == []  # month 13
    assert found("Paid 110105491231002") == []  # "id" inside a word is no keyword


# --- phones ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "(+86) 138-1234-5678",
        "0086 13812345678",
        "19912345678",
    ],
)
def test_mobile_numbers_in_many_spellings(written: str) -> None:
    text = f"有事打我电话{written}谢谢"
    assert found(text) == [("mobile_cn", written)]
    assert detect_pii(text)[0].value == written.replace(" ", "").replace("-", "")[-11:]


def test_embedded_in_chinese_without_spaces_with_exact_offsets() -> None:
    text = f"人肉到了张三身份证号{ID_X}手机13812345678住在杭州"
    matches = detect_pii(text)
    assert [(m.kind, text[m.start : m.end]) for m in matches] == [("id_cn", ID_X), ("mobile_cn", "13812345678")]
    assert matches[0].start == text.index(ID_X)


def test_full_width_digits_map_back_to_original_offsets() -> None:
    phone = full_width("138-1234-5678")
    text = f"手机：{phone}。身份证：{full_width(ID_X)}"
    assert found(text) == [("mobile_cn", phone), ("id_cn", full_width(ID_X))]
    assert [m.value for m in detect_pii(text)] == ["13812345678", ID_X]


def test_expanding_compatibility_characters_keep_offsets_on_the_original() -> None:
    text = "㎏很重 电话13812345678"  # ㎏ normalises to two characters
    [m] = detect_pii(text)
    assert text[m.start : m.end] == "13812345678"


@pytest.mark.parametrize(
    "text",
    [
        "订单号202603011381234567",  # an 18-digit order number that contains a mobile number
        "单号 813812345678",  # 12 digits
        "快递单号SF13812345678",  # glued to letters: a code
        "tracking 1Z13812345678",
        "user_13812345678",
        "13812345678X",
        "价格13812345678.5元",  # a decimal is one number
        "2026-03-13812345678",  # hyphens bind: one number
    ],
)
def test_digits_inside_a_longer_number_or_code_are_not_a_phone(text: str) -> None:
    assert [k for k, _ in found(text) if k == "mobile_cn"] == []


def test_space_separated_numbers_are_read_separately() -> None:
    text = "2026 13812345678 13912345678"
    assert found(text) == [("mobile_cn", "13812345678"), ("mobile_cn", "13912345678")]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("010-65521234", "010-65521234"),
        ("(010) 6552 1234", "010-65521234"),
        ("0755-2345678", "0755-2345678"),
        ("021 8765 4321", "021-87654321"),
        ("+86 10 6552 1234", "+861065521234"),
    ],
)
def test_landlines(written: str, value: str) -> None:
    text = f"座机{written}。"
    assert found(text) == [("landline_cn", written)]
    assert detect_pii(text)[0].value == value


@pytest.mark.parametrize("text", ["01065521234", "010-1234567", "0155-23456789", "0755-12345678"])
def test_landline_look_alikes(text: str) -> None:
    assert [k for k, _ in found(text) if k == "landline_cn"] == []


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("(212) 555-7890", "phone_us"),
        ("212-555-7890", "phone_us"),
        ("1-415-555-2671", "phone_us"),
        ("+1 415 555 2671", "phone_us"),
        ("+44 20 7946 0958", "phone_intl"),
        ("+33 1 42 68 53 00", "phone_intl"),
        ("+49 30 1234567", "phone_intl"),
    ],
)
def test_english_and_international_phones(written: str, kind: str) -> None:
    assert found(f"Call me at {written}, thanks") == [(kind, written)]


@pytest.mark.parametrize(
    "text",
    [
        "call 2125557890 now",  # ten bare digits: as likely an order number
        "toll free 800-555-1234",  # service numbers belong to businesses
        "555-0123 in the film: 212-555-0123",  # the fiction range
        "dial 911-555-1234",  # N11 area code
        "score +44 12",  # too short for any numbering plan
        "+1234567",
    ],
)
def test_phone_look_alikes(text: str) -> None:
    assert found(text) == []


# --- cards, SSN, e-mail, plates, addresses ------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        UNIONPAY,
        " ".join(UNIONPAY[i : i + 4] for i in range(0, 19, 4)),
        "-".join(VISA[i : i + 4] for i in range(0, 16, 4)),
        MASTERCARD_2,
        with_luhn("37828224631000"),  # Amex, 15 digits
    ],
)
def test_luhn_valid_cards_with_a_real_issuer_prefix(written: str) -> None:
    assert found(f"卡号{written}转账") == [("bank_card", written)]


def test_cards_that_fail_luhn_or_have_no_issuer_are_not_cards() -> None:
    bad = UNIONPAY[:-1] + str((int(UNIONPAY[-1]) + 1) % 10)
    assert found(f"卡号{bad}") == []
    no_issuer = with_luhn("912345678901234")  # Luhn-valid, 16 digits, but no scheme starts with 9
    assert found(f"订单{no_issuer}") == []
    visa_17 = with_luhn("4111111111111111")  # Visa has no 17-digit cards
    assert found(visa_17) == []


def test_an_18_digit_number_that_is_both_an_id_and_a_card_is_an_id() -> None:
    # a Gansu (62) ID number that happens to pass Luhn as well
    for seq in range(1000):
        first17 = f"62010219900101{seq:03d}"
        number = first17 + id_check(first17)
        if number[-1] != "X" and with_luhn(number[:-1]) == number:
            break
    assert found(number) == [("id_cn", number)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 536-22-1234.", ["536-22-1234"]),
        ("ssn 536 22 1234", ["536 22 1234"]),
        ("000-12-3456 666-12-3456 912-34-5678 536-00-1234 536-22-0000", []),
        ("078-05-1120", []),  # the wallet-insert number
        ("536-22.1234", []),  # mixed separators: a date or a code
    ],
)
def test_ssn(text: str, expected: list[str]) -> None:
    assert [s for k, s in found(text) if k == "ssn_us"] == expected


def test_email_next_to_chinese_and_full_width() -> None:
    text = "邮箱Zhang.San@Example.COM联系，或者１３８１２３４５６７８＠ｑｑ．ｃｏｍ谢谢"
    assert found(text) == [("email", "Zhang.San@Example.COM"), ("email", "１３８１２３４５６７８＠ｑｑ．ｃｏｍ")]
    assert [m.value for m in detect_pii(text)] == ["Zhang.San@example.com", "13812345678@qq.com"]
    assert found("@someone hi, user@localhost") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("车牌京A12345，", ["京A12345"]),
        ("粤B·12345D 停在楼下", ["粤B·12345D"]),  # large new-energy
        ("沪AD12345", ["沪AD12345"]),  # small new-energy
        ("苏e12345", ["苏e12345"]),
        ("京A123456", []),  # six characters but no D/F
        ("京AABCD1", []),  # too many letters
        ("京I12345", []),  # I is never used
    ],
)
def test_plates(text: str, expected: list[str]) -> None:
    assert [s for k, s in found(text) if k == "plate_cn"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他住在北京市朝阳区建国路88号3栋2单元501室，快去", "北京市朝阳区建国路88号3栋2单元501室"),
        ("地址：浙江省杭州市西湖区文三路１２号５０１室", "浙江省杭州市西湖区文三路１２号５０１室"),
        ("家在建设路18号院2号楼3单元", "建设路18号院2号楼3单元"),
    ],
)
def test_addresses(text: str, expected: str) -> None:
    assert found(text) == [("address_cn", expected)]


@pytest.mark.parametrize(
    "text",
    [
        "中山路5号店的面很好吃",
        "今天是3号",
        "地铁2号线到人民路站",
        "第88号选手",
        "去上海市长宁区淮海西路338号看病",  # a hospital: no building, unit or room
    ],
)
def test_address_look_alikes(text: str) -> None:
    assert found(text) == []


def test_numbers_in_urls_are_not_pii() -> None:
    text = f"看这里https://weibo.com/1234567890/{VISA}，电话13812345678"
    assert found(text) == [("mobile_cn", "13812345678")]


def test_kinds_filter_and_unknown_kinds() -> None:
    text = f"{ID_X} 13812345678"
    assert [m.kind for m in detect_pii(text, ["mobile_cn"])] == ["mobile_cn"]
    with pytest.raises(ValueError, match="unknown"):
        detect_pii(text, ["phone"])


@pytest.mark.parametrize(
    "text",
    ["version 1.2.3 at 13:45 on 2026-03-01", "price ¥13.99, 1700000000000 ms", "步数12345", "QQ群123456789"],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert found(text) == []


# --- redaction --------------------------------------------------------------------------------------------------


def test_redact_keeps_the_kind_visible() -> None:
    text = f"身份证{ID_X}，手机138-1234-5678，邮箱a@b.cn"
    assert redact(text) == "身份证[ID_CN]，手机[MOBILE_CN]，邮箱[EMAIL]"
    assert redact(text, ["email"]) == f"身份证{ID_X}，手机138-1234-5678，邮箱[EMAIL]"


def test_redact_texts_matches_redact_and_keeps_nulls() -> None:
    texts = [f"手机{full_width('13812345678')}", None, "nothing here", "", f"卡{VISA}"]
    expected = [None if t is None else redact(t) for t in texts]
    assert redact_texts(texts).to_pylist() == expected
    chunked = pa.chunked_array([texts[:2], texts[2:]], pa.string())
    assert redact_texts(chunked).to_pylist() == expected
    assert redact_texts(pa.array(texts, pa.large_string())).to_pylist() == expected


# --- properties ---------------------------------------------------------------------------------------------------

PII_VALUES = st.sampled_from(
    [
        ID_X,
        ID_DIGIT,
        "13812345678",
        "138 1234 5678",
        "+86-139-1234-5678",
        "010-65521234",
        UNIONPAY,
        " ".join(VISA[i : i + 4] for i in range(0, 16, 4)),
        "a.b@example.com",
        "京A12345",
        "北京市朝阳区建国路88号3栋501室",
        "536-22-1234",
        "(212) 555-7890",
        "+44 20 7946 0958",
    ]
)
FILLER = st.text(alphabet="的人在是号路市区 ,.-+:()@xX\u3000，。abc12０１２３", max_size=8)


@st.composite
def texts_with_pii(draw: st.DrawFn) -> tuple[str, int]:
    """Filler and PII values (some full-width), each value set off by commas; and how many values."""
    parts = [draw(FILLER)]
    count = draw(st.integers(1, 5))
    for _ in range(count):
        value = draw(PII_VALUES)
        parts += ["，", full_width(value) if draw(st.booleans()) else value, "，", draw(FILLER)]
    return "".join(parts), count


def _check_offsets(text: str, matches: list[PiiMatch]) -> None:
    last = 0
    for m in matches:
        assert last <= m.start < m.end <= len(text)
        last = m.end
        original = unicodedata.normalize("NFKC", text[m.start : m.end])
        if m.kind in ("email", "plate_cn", "address_cn"):
            assert original.lower().replace("·", "") == m.value.lower()
        else:  # the value's digits are the substring's digits, up to a country prefix on either side
            digits = "".join(c for c in original if c.isdigit() or c in "Xx").upper()
            value = "".join(c for c in m.value if c.isdigit() or c == "X")
            assert digits.endswith(value) or value.endswith(digits)
            assert len(digits) >= 7


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts_with_pii())
def test_redaction_leaves_nothing_detectable_and_offsets_are_original_slices(case: tuple[str, int]) -> None:
    text, count = case
    matches = detect_pii(text)
    assert len(matches) == count
    _check_offsets(text, matches)
    redacted = redact(text)
    assert detect_pii(redacted) == []
    # outside the matches the text is untouched, and each match became its label
    rebuilt, pos = [], 0
    for m in matches:
        rebuilt += [text[pos : m.start], LABELS[m.kind]]
        pos = m.end
    assert redacted == "".join([*rebuilt, text[pos:]])
    for m in matches:
        if m.kind in ("id_cn", "mobile_cn", "bank_card"):
            assert m.value not in unicodedata.normalize("NFKC", redacted).replace(" ", "")


ANY_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789０１２３ -.+()@xX号路市区京A的abc.com:，\u3000㎏①")), max_size=60
)


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
def test_any_text_gives_ordered_in_range_matches_and_the_prefilter_never_misses(text: str) -> None:
    matches = detect_pii(text)
    _check_offsets(text, matches)
    if matches:
        assert may_contain_pii(pa.array([text])).to_pylist() == [True]
    assert detect_pii(redact(text)) == []


# --- the command ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    from floodwatch.commands.redact import redact_command

    app = typer.Typer()
    app.command()(redact_command)
    return app


def test_cli_redacts_stdin_text(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["-"], input=f"手机13812345678\nID {ID_X}\nnothing\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == ["手机[MOBILE_CN]", "ID [ID_CN]", "nothing"]
    assert "13812345678" not in result.stdout


def test_cli_jsonl_masks_only_the_column_and_writes_atomically(cli: typer.Typer, tmp_path: Path) -> None:
    src = tmp_path / "posts.jsonl"
    rows = [{"text": f"电话{i}号 13812345678", "post_id": "13912345678"} for i in range(3)] + [{"text": None}]
    src.write_text("".join(orjson.dumps(r).decode() + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out" / "redacted.jsonl"
    result = CliRunner().invoke(cli, [str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = [orjson.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [g["text"] for g in got] == [f"电话{i}号 [MOBILE_CN]" for i in range(3)] + [None]
    assert all(g.get("post_id", "13912345678") == "13912345678" for g in got)  # other fields untouched


def test_cli_csv_with_kinds(cli: typer.Typer, tmp_path: Path) -> None:
    src = tmp_path / "x.csv"
    src.write_text('id,bio\n1,"邮箱a@b.cn, 手机13812345678"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, [str(src), "--column", "bio", "--kinds", "email"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["id,bio", '1,"邮箱[EMAIL], 手机13812345678"']


def test_cli_errors_are_clear_and_leave_no_partial_file(cli: typer.Typer, tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"text": "13812345678"}\n{broken\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, [str(src), "--out", str(out)])
    assert result.exit_code == 2 and "line 2 is not JSON" in " ".join(result.output.split())
    assert not out.exists() and list(tmp_path.iterdir()) == [src]
    assert CliRunner().invoke(cli, [str(src), "--kinds", "phone"]).exit_code == 2
    assert CliRunner().invoke(cli, [str(tmp_path / "missing.txt")]).exit_code == 2
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [str(csv_file)])
    assert result.exit_code == 2 and "no column text" in " ".join(result.output.split())
