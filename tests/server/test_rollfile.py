"""server/rollfile.py: a member roll is read whole or not at all, and every problem names its row."""

from __future__ import annotations

import codecs
import datetime
import io
import unicodedata
import zipfile
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.rollfile import MAX_ROWS, RollParse, RollRow, RowError, parse_roll

HEADER = "编号,姓名,代表团,座位,状态"


def csv_bytes(*lines: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(lines) + "\r\n"
    return (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding)


def xlsx_bytes(*rows: list[Any], extra_sheet: list[list[Any]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(row)
    if extra_sheet is not None:
        other = book.create_sheet("其他")
        for row in extra_sheet:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def only_error(parse: RollParse) -> RowError:
    assert not parse.ok
    assert parse.rows == ()
    assert len(parse.errors) == 1, parse.errors
    return parse.errors[0]


def assert_all_or_nothing(parse: RollParse) -> None:
    assert parse.ok == (not parse.errors)
    if parse.errors:
        assert parse.rows == ()


# --- formats and encodings ------------------------------------------------------------------------

GOOD = (HEADER, "001,王伟,第一代表团,1排1号,正常", "002,李秀英,第二代表团,1排2号,暂停执行代表职务",
        "003,张志强,第二代表团,,终止代表资格")
EXPECTED = (
    RollRow("001", "王伟", "第一代表团", "1排1号", "active"),
    RollRow("002", "李秀英", "第二代表团", "1排2号", "suspended"),
    RollRow("003", "张志强", "第二代表团", "", "terminated"),
)


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gbk", False), ("gb18030", False)])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk(encoding: str, bom: bool) -> None:
    parse = parse_roll(csv_bytes(*GOOD, encoding=encoding, bom=bom), "名册.csv")
    assert parse.ok, parse.errors
    assert parse.rows == EXPECTED


def test_utf16_tab_separated_text_as_excel_saves_unicode_text_is_read() -> None:
    text = "\r\n".join(line.replace(",", "\t") for line in GOOD) + "\r\n"
    parse = parse_roll(text.encode("utf-16"), "名册.txt")
    assert parse.rows == EXPECTED


def test_xlsx_first_sheet_is_read_with_numbers_as_codes() -> None:
    data = xlsx_bytes(["代表编号", "姓名", "代表小组", "座位号", "状态"],
                      [1001, "王伟", "一组", 5, None], [1002.0, "李秀英", "二组", "6", "在职"],
                      extra_sheet=[["编号", "姓名"], ["999", "不应读取"]])
    parse = parse_roll(data, "roll.xlsx")
    assert parse.ok, parse.errors
    assert parse.rows == (RollRow("1001", "王伟", "一组", "5", "active"),
                          RollRow("1002", "李秀英", "二组", "6", "active"))


def test_english_headers_and_status_values_are_accepted_case_insensitively() -> None:
    parse = parse_roll(csv_bytes("ID,Name,Group,Seat,Status", "a1,Ann Lee,G1,S1,Active", "a2,Bob,G1,S2,SUSPENDED",
                                 "a3,Cy,G2,,terminated"), "roll.csv")
    assert [r.status for r in parse.rows] == ["active", "suspended", "terminated"]
    assert parse.rows[0].name == "Ann Lee"


def test_an_xlsx_renamed_csv_is_still_read_as_xlsx() -> None:
    parse = parse_roll(xlsx_bytes(["编号", "姓名"], ["1", "王伟"]), "roll.csv")
    assert parse.rows == (RollRow("1", "王伟", "", "", "active"),)


def test_whitespace_including_full_width_spaces_is_trimmed_and_cjk_name_padding_removed() -> None:
    parse = parse_roll(csv_bytes("编号,姓名,代表团,座位", "\u3000001 ,王\u3000伟\u3000, 一团\u3000,\u30003\u3000",
                                 "002,Mary  Ann Smith,一团,4"), "roll.csv")
    assert parse.rows[0] == RollRow("001", "王伟", "一团", "3", "active")
    assert parse.rows[1].name == "Mary Ann Smith"


def test_full_width_digits_in_codes_are_the_same_code_as_ascii_digits() -> None:
    error = only_error(parse_roll(csv_bytes("编号,姓名", "001,王伟", "００１,李四"), "roll.csv"))
    assert (error.row, error.column) == (3, "编号")
    assert "第2行" in error.message


def test_excel_leading_zero_formula_trick_is_unwrapped() -> None:
    parse = parse_roll(csv_bytes("编号,姓名", '"=""007""",王伟'), "roll.csv")
    assert parse.rows[0].code == "007"


def test_completely_empty_rows_are_skipped_but_row_numbers_stay_as_seen() -> None:
    parse = parse_roll(csv_bytes("编号,姓名", "", ",", "001,王伟", "", ",", "001,李四"), "roll.csv")
    error = only_error(parse)
    assert error.row == 7
    assert "第4行" in error.message


def test_empty_rows_in_xlsx_keep_the_sheet_row_numbers() -> None:
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    sheet.append(["编号", "姓名"])
    sheet["A5"], sheet["B5"] = "001", ""
    buffer = io.BytesIO()
    book.save(buffer)
    error = only_error(parse_roll(buffer.getvalue(), "roll.xlsx"))
    assert (error.row, error.column) == (5, "姓名")


def test_xlsx_dates_booleans_and_whole_floats_become_text() -> None:
    data = xlsx_bytes(["编号", "姓名", "代表团", "座位"], [3.0, "王伟", datetime.date(2027, 1, 5), 2.5],
                      [4, "李四", datetime.datetime(2027, 1, 5, 9, 30), True], [5, "赵敏", datetime.time(9, 30), None])
    parse = parse_roll(data, "roll.xlsx")
    assert [(r.code, r.group, r.seat) for r in parse.rows] == [
        ("3", "2027-01-05", "2.5"), ("4", "2027-01-05 09:30:00", "是"), ("5", "09:30:00", "")]


def test_an_xlsx_with_an_empty_first_sheet_is_one_error() -> None:
    error = only_error(parse_roll(xlsx_bytes(extra_sheet=[["编号", "姓名"], ["1", "王伟"]]), "roll.xlsx"))
    assert error.row == 0
    assert "没有内容" in error.message


def test_an_unexpected_failure_while_reading_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("server.rollfile._check", broken)
    error = only_error(parse_roll(csv_bytes(*GOOD), "roll.csv"))
    assert error.row == 0
    assert "RuntimeError" in error.message


def test_a_title_row_above_the_header_is_allowed() -> None:
    parse = parse_roll(csv_bytes("某县第十八届人民代表大会代表名册,,", "编号,姓名,代表团", "001,王伟,一团"), "roll.csv")
    assert parse.rows == (RollRow("001", "王伟", "一团", "", "active"),)


def test_unknown_extra_columns_are_ignored() -> None:
    parse = parse_roll(csv_bytes("序号,编号,性别,姓名,联系电话", "1,001,男,王伟,13800000000"), "roll.csv")
    assert parse.rows == (RollRow("001", "王伟", "", "", "active"),)


# --- row errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "missing"), [
    ("姓名,代表团", "编号"), ("编号,代表团", "姓名"), ("代表团,座位", "编号、姓名"),
])
def test_a_missing_required_column_is_one_error_on_row_1(header: str, missing: str) -> None:
    error = only_error(parse_roll(csv_bytes(header, "x,y"), "roll.csv"))
    assert error.row == 1
    assert error.column == missing
    assert "缺少必填列" in error.message


def test_a_header_with_no_known_column_is_one_error_on_row_1() -> None:
    error = only_error(parse_roll(csv_bytes("a,b,c", "1,2,3"), "roll.csv"))
    assert error.row == 1
    assert "编号" in error.message and "姓名" in error.message


def test_two_columns_meaning_the_same_field_are_an_error() -> None:
    parse = parse_roll(csv_bytes("编号,代表编号,姓名", "1,1,王伟"), "roll.csv")
    assert parse.rows == ()
    assert parse.errors[0].row == 1
    assert "只能保留一列" in parse.errors[0].message


@pytest.mark.parametrize(("line", "column", "words"), [
    (",王伟", "编号", "编号不能为空"),
    ("001,", "姓名", "姓名不能为空"),
    ("001,\u3000", "姓名", "姓名不能为空"),
])
def test_an_empty_code_or_name_names_row_and_column(line: str, column: str, words: str) -> None:
    error = only_error(parse_roll(csv_bytes("编号,姓名", "000,张三", line), "roll.csv"))
    assert (error.row, error.column) == (3, column)
    assert error.message.startswith(f"第3行「{column}」列")
    assert words in error.message


def test_a_duplicate_code_names_the_row_it_first_appeared_on() -> None:
    error = only_error(parse_roll(csv_bytes("编号,姓名", "001,王伟", "002,李四", "001,赵敏"), "roll.csv"))
    assert (error.row, error.column) == (4, "编号")
    assert "重复" in error.message and "第2行" in error.message


def test_a_duplicate_seat_is_an_error_but_empty_seats_may_repeat() -> None:
    parse = parse_roll(csv_bytes("编号,姓名,座位", "1,甲,", "2,乙,", "3,丙,A1", "4,丁,A1"), "roll.csv")
    error = only_error(parse)
    assert (error.row, error.column) == (5, "座位")
    assert "第4行" in error.message


def test_an_unknown_status_is_an_error() -> None:
    error = only_error(parse_roll(csv_bytes("编号,姓名,状态", "1,王伟,退休"), "roll.csv"))
    assert (error.row, error.column) == (2, "状态")
    assert "退休" in error.message


@pytest.mark.parametrize(("column", "limit"), [("编号", 64), ("姓名", 100), ("代表团", 100), ("座位", 32)])
def test_overlong_values_are_errors_at_one_past_the_limit(column: str, limit: int) -> None:
    values = {"编号": "1", "姓名": "王伟", "代表团": "一团", "座位": "1"}

    def roll_with(length: int) -> RollParse:
        line = ",".join({**values, column: "x" * length}.values())
        return parse_roll(csv_bytes("编号,姓名,代表团,座位", line), "r.csv")

    at_limit = roll_with(limit)
    assert at_limit.ok, at_limit.errors
    over = roll_with(limit + 1)
    error = only_error(over)
    assert (error.row, error.column) == (2, column)
    assert f"最多{limit}" in error.message


@pytest.mark.parametrize("name", ['"Ann\nLee"', "王\x07伟"])
def test_a_line_break_or_control_character_inside_a_name_is_a_row_error(name: str) -> None:
    error = only_error(parse_roll(csv_bytes("编号,姓名", "0,甲", f"1,{name}"), "roll.csv"))
    assert (error.row, error.column) == (3, "姓名")
    assert "控制字符" in error.message


def test_every_bad_row_is_reported_and_no_row_is_returned() -> None:
    parse = parse_roll(csv_bytes("编号,姓名,状态", "1,甲,", ",乙,", "3,,", "4,丁,未知", "1,戊,", "6,己,"), "roll.csv")
    assert parse.rows == ()
    assert [(e.row, e.column) for e in parse.errors] == [(3, "编号"), (4, "姓名"), (5, "状态"), (6, "编号")]


def test_errors_use_the_column_title_as_written_in_the_file() -> None:
    error = only_error(parse_roll(csv_bytes("代表编号,Name", "1,"), "roll.csv"))
    assert error.column == "Name"
    assert "「Name」" in error.message


def test_more_than_the_maximum_rows_is_an_error() -> None:
    lines = [f"{i},代表{i}" for i in range(1, MAX_ROWS + 2)]
    error = only_error(parse_roll(csv_bytes("编号,姓名", *lines), "roll.csv"))
    assert error.row == MAX_ROWS + 2
    assert str(MAX_ROWS) in error.message


def test_exactly_the_maximum_rows_is_accepted() -> None:
    lines = [f"{i},代表{i}" for i in range(1, MAX_ROWS + 1)]
    parse = parse_roll(csv_bytes("编号,姓名", *lines), "roll.csv")
    assert parse.ok
    assert len(parse.rows) == MAX_ROWS


def test_a_header_without_data_rows_is_an_error() -> None:
    error = only_error(parse_roll(csv_bytes("编号,姓名", "", ","), "roll.csv"))
    assert error.row == 0
    assert "没有代表" in error.message


def test_a_flood_of_errors_is_capped_with_a_count_of_the_rest() -> None:
    lines = [f",代表{i}" for i in range(1, 1001)]
    parse = parse_roll(csv_bytes("编号,姓名", *lines), "roll.csv")
    assert parse.rows == ()
    assert len(parse.errors) == 501
    assert parse.errors[-1].row == 0 and "500" in parse.errors[-1].message


# --- files that are not rolls -------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize(("data", "filename", "words"), [
    (b"", "roll.csv", "文件为空"),
    (b"\r\n\r\n  ", "roll.csv", "文件为空"),
    (PNG, "roll.csv", "PNG"),
    (b"PK\x03\x04 this is not really a zip", "roll.xlsx", "损坏"),
    (b"just some text", "roll.xlsx", "损坏"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "roll.xls", ".xls"),
    (b"%PDF-1.7\n", "roll.csv", "PDF"),
    (b"id,name\n1,a\n", "roll.docx", "不支持的文件类型"),
    (b"\x81\x30\xff\xfe\xfa", "roll.csv", "编码"),
    (bytes(range(1, 32)) * 20, "roll.csv", "控制字符"),
    (b"abc\x00def", "roll.csv", "二进制"),
])
def test_an_unreadable_file_is_one_error_on_row_0_never_an_exception(data: bytes, filename: str, words: str) -> None:
    error = only_error(parse_roll(data, filename))
    assert error.row == 0
    assert error.column is None
    assert words in error.message


def test_a_zip_that_is_not_a_workbook_is_one_error() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "不是 Excel")
    error = only_error(parse_roll(buffer.getvalue(), "roll.xlsx"))
    assert error.row == 0


def test_a_truncated_xlsx_is_one_error() -> None:
    data = xlsx_bytes(["编号", "姓名"], ["1", "王伟"])
    error = only_error(parse_roll(data[: len(data) // 2], "roll.xlsx"))
    assert error.row == 0


def test_an_xlsx_holding_a_character_xml_forbids_is_one_error() -> None:
    error = only_error(parse_roll(xlsx_bytes(["编号", "姓名"], ["1\uffff", "王伟"]), "roll.xlsx"))
    assert error.row == 0 and "无法读取文件" in error.message


def test_an_unclosed_quote_in_csv_is_one_error_naming_its_row() -> None:
    error = only_error(parse_roll(csv_bytes("编号,姓名", "1,王伟", '2,"李四'), "roll.csv"))
    assert error.row == 3
    assert "引号" in error.message


# --- properties -----------------------------------------------------------------------------------

# U+FFFE and U+FFFF are not XML characters (XML 1.0, production Char): no XLSX can hold them --
# openpyxl writes them anyway, and that file is unreadable (one error, as for any broken file).
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Z", "Cf"),
                                       exclude_characters="\ufffe\uffff"),
                min_size=1, max_size=12).filter(lambda s: not s.startswith("="))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_text, _text), min_size=1, max_size=20,
                unique_by=lambda t: unicodedata.normalize("NFKC", t[0])))
def test_any_valid_roll_round_trips_through_xlsx_in_order(people: list[tuple[str, str]]) -> None:
    data = xlsx_bytes(["编号", "姓名"], *[[code, name] for code, name in people])
    parse = parse_roll(data, "roll.xlsx")
    assert parse.ok, parse.errors
    assert [(r.code, r.name) for r in parse.rows] == [(unicodedata.normalize("NFKC", c), n) for c, n in people]


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["roll.csv", "roll.xlsx", "roll", "roll.txt"]))
def test_arbitrary_bytes_never_raise_and_are_all_or_nothing(data: bytes, filename: str) -> None:
    assert_all_or_nothing(parse_roll(data, filename))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=8), max_size=6), max_size=12))
def test_arbitrary_csv_tables_never_raise_and_are_all_or_nothing(table: list[list[str]]) -> None:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows([["编号", "姓名", "状态", "座位"], *table])
    parse = parse_roll(buffer.getvalue().encode("utf-8"), "roll.csv")
    assert_all_or_nothing(parse)
    codes = [row.code for row in parse.rows]
    assert len(codes) == len(set(codes))
