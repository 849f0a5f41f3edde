"""Read a member roll (名册) file: every row checked, nothing half-imported.

shared/domain.md "Bodies and people": the roll holds id, name, delegation/group (代表团/代表小组)
and seat; terminated deputies (代表法 第六十二条) are out of the base, suspended ones (代表法 第六十一条)
cannot check in or vote. This module only reads the file; the server decides what to do with it.

    parse_roll(data, filename) -> RollParse(rows, errors)

All or nothing: when any row has an error, ``rows`` is empty and ``errors`` names every problem
by the row a person sees in Excel or WPS (the header is row 1) and the column as written in the
file. A file that cannot be read at all gives one error on row 0. No exception escapes for bad
input: the upload is the boundary, and a clerk must be told what to fix.

Formats: CSV (UTF-8 with or without BOM, GB18030/GBK as Chinese Excel writes it, UTF-16 with BOM
as Excel's "Unicode text"; comma or tab separated) and XLSX (first worksheet, read-only). The
content decides, not only the name: an .xlsx renamed .csv is still read as XLSX, a PNG renamed
.csv is refused.

Values are trimmed (including U+3000 full-width spaces and zero-width characters). Codes and seats
are NFKC-normalised, so "００１" and "001" are the same code. A name made only of CJK characters and
spaces loses the spaces ("王　伟", padded to align with three-character names, is "王伟"); other
names keep single spaces. Excel's ``="001"`` trick for keeping leading zeros in CSV is unwrapped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

Status = Literal["active", "suspended", "terminated"]
Field = Literal["code", "name", "group", "seat", "status"]

MAX_ROWS = 20_000
"""Most deputies a roll may hold; a county congress has a few hundred, so this only stops accidents."""

MAX_ERRORS = 500
"""Errors listed one by one; beyond this a final row-0 error says how many more there were."""

MAX_LENGTH: dict[Field, int] = {"code": 64, "name": 100, "group": 100, "seat": 32}

LABELS: dict[Field, str] = {"code": "编号", "name": "姓名", "group": "代表团", "seat": "座位", "status": "状态"}

HEADER_ALIASES: dict[str, Field] = {
    "编号": "code", "代表编号": "code", "id": "code", "code": "code",
    "姓名": "name", "name": "name",
    "代表团": "group", "代表小组": "group", "组别": "group", "group": "group",
    "座位": "seat", "座位号": "seat", "seat": "seat",
    "状态": "status", "status": "status",
}

STATUS_ALIASES: dict[str, Status] = {
    "": "active", "正常": "active", "在职": "active", "active": "active",
    "暂停": "suspended", "暂停执行代表职务": "suspended", "暂时停止执行代表职务": "suspended",
    "suspended": "suspended",
    "终止": "terminated", "终止代表资格": "terminated", "terminated": "terminated",
}

REQUIRED: tuple[Field, ...] = ("code", "name")
HEADER_SEARCH_ROWS = 10
"""A title row such as 「某县第十八届人大代表名册」 may sit above the header; look this far for it."""

_ZERO_WIDTH = "\ufeff\u200b\u200c\u200d\u2060"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BINARY = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY_TOLERANCE = 8
"""A stray control character is a row error; more than this (and 1% of the text) means a binary file."""
_SPACES = re.compile(r"[ \u00a0\u2000-\u200a\u3000]+")
_CJK_WITH_SPACES = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff\u00b7\u30fb \u00a0\u2000-\u200a\u3000]+$")
_EXCEL_TEXT = re.compile(r'^="(.*)"$', re.S)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"%PDF", "PDF 文件"),
    (b"\xd0\xcf\x11\xe0", "旧版 Excel（.xls）或加密的 Excel 文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入"),
    (b"Rar!", "RAR 压缩包"),
    (b"\x1f\x8b", "GZIP 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
)
_ZIP = b"PK\x03\x04"
_TEXT_EXTENSIONS = {"csv", "txt", "tsv", ""}
_XLSX_EXTENSIONS = {"xlsx", "xlsm"}


@dataclass(frozen=True)
class RollRow:
    """One deputy (or member) as read from the file."""

    code: str
    name: str
    group: str
    seat: str
    status: Status


@dataclass(frozen=True)
class RowError:
    """A problem a clerk must fix: ``row`` as seen in Excel (header = 1; 0 = the whole file)."""

    row: int
    column: str | None
    message: str


@dataclass(frozen=True)
class RollParse:
    """The rows, or the errors: never both (``rows`` is empty whenever ``errors`` is not)."""

    rows: tuple[RollRow, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    """The file as a whole cannot be read; becomes one error (row 0 unless the row is known)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.row = row


def parse_roll(data: bytes, filename: str) -> RollParse:
    """Parse a roll file; see the module docstring for the formats and the rules."""
    records: Generator[tuple[int, list[str]], None, None] | None = None
    try:
        records = _records(data, filename)
        return _check(records)
    except _FileError as error:
        return _failed(RowError(error.row, None, str(error)))
    except Exception as error:  # the upload boundary: a broken file must never become a 500
        return _failed(RowError(0, None, f"无法读取文件（{type(error).__name__}）；请确认是 CSV 或 XLSX 名册文件"))
    finally:
        if records is not None:
            records.close()  # closes the workbook even when checking stopped early


def _failed(*errors: RowError) -> RollParse:
    return RollParse(rows=(), errors=tuple(errors))


# --- reading the file into (row number, cells) ------------------------------------------------

def _extension(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _records(data: bytes, filename: str) -> Generator[tuple[int, list[str]], None, None]:
    if not data or not data.strip(b" \t\r\n\x00"):
        raise _FileError("文件为空，请选择名册文件（CSV 或 XLSX）")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _FileError(f"不是名册文件（{what}）；请上传 CSV 或 XLSX 文件")
    ext = _extension(filename)
    if data.startswith(_ZIP):
        yield from _xlsx_records(data)
        return
    if ext in _XLSX_EXTENSIONS:
        raise _FileError("Excel 文件已损坏或不是有效的 .xlsx 文件，请重新保存后再导入")
    if ext not in _TEXT_EXTENSIONS:
        raise _FileError(f"不支持的文件类型「.{ext}」；请上传 CSV 或 XLSX 文件")
    yield from _csv_records(_decode(data))


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        text = _try_decode(data[len(codecs.BOM_UTF8):], "utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _try_decode(data, "utf-16")
    elif b"\x00" in data:
        raise _FileError("不是文本文件（含有二进制内容）；请上传 CSV 或 XLSX 文件")
    else:
        text = _try_decode(data, "utf-8") if _is_utf8(data) else _try_decode(data, "gb18030")
    if text is None:
        raise _FileError("无法识别文件编码；请以 UTF-8 或 GBK 编码保存 CSV 文件")
    controls = len(_BINARY.findall(text))
    if "\x00" in text or controls > max(_BINARY_TOLERANCE, len(text) // 100):
        raise _FileError("不是文本文件（含有大量控制字符）；请上传 CSV 或 XLSX 文件")
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    row = 0
    try:
        for row, cells in enumerate(reader, start=1):
            yield row, cells
    except csv.Error as error:
        raise _FileError(f"第{row + 1}行：CSV 格式错误（{error}），请检查引号是否配对", row + 1) from error


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    import openpyxl  # the server extra; imported here so tally-only installs can import the module

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise _FileError("Excel 文件已损坏或不是有效的 .xlsx 文件，请重新保存后再导入") from error
    try:
        if not book.worksheets:
            raise _FileError("Excel 文件中没有工作表")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the stored dimensions may be wrong; read every row there is
        for row, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield row, [_cell_text(value) for value in values]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# --- checking ----------------------------------------------------------------------------------

def _clean(value: str) -> str:
    value = value.strip().strip(_ZERO_WIDTH).strip()
    match = _EXCEL_TEXT.match(value)
    if match:
        value = match.group(1).strip()
    return value


def _clean_name(value: str) -> str:
    if _CJK_WITH_SPACES.match(value):
        return _SPACES.sub("", value)
    return _SPACES.sub(" ", value)


def _header_key(text: str) -> str:
    return "".join(_clean(text).split()).replace("*", "").replace("＊", "").casefold()


@dataclass
class _Header:
    row: int
    columns: dict[Field, int]
    titles: dict[Field, str]


def _find_header(first_rows: list[tuple[int, list[str]]]) -> tuple[_Header | None, list[RowError]]:
    for row, cells in first_rows:
        columns: dict[Field, int] = {}
        titles: dict[Field, str] = {}
        errors: list[RowError] = []
        for index, cell in enumerate(cells):
            field = HEADER_ALIASES.get(_header_key(cell))
            if field is None:
                continue
            if field in columns:
                errors.append(RowError(row, _clean(cell), (
                    f"第{row}行（表头）：「{titles[field]}」与「{_clean(cell)}」都表示{LABELS[field]}，只能保留一列"
                )))
                continue
            columns[field] = index
            titles[field] = _clean(cell)
        if columns:
            return _Header(row, columns, titles), errors
    return None, []


def _check(records: Iterable[tuple[int, list[str]]]) -> RollParse:
    iterator = iter(records)
    leading: list[tuple[int, list[str]]] = []
    for row, cells in iterator:
        if any(_clean(c) for c in cells):
            leading.append((row, cells))
            if len(leading) == HEADER_SEARCH_ROWS:
                break
    if not leading:
        return _failed(RowError(0, None, "文件中没有内容"))
    header, errors = _find_header(leading)
    if header is None:
        header_row = leading[0][0]
        wanted = "、".join(LABELS[f] for f in REQUIRED)
        return _failed(RowError(header_row, None, (
            f"第{header_row}行（表头）：找不到「{wanted}」列；表头应包含 编号（或 代表编号/id/code）、"
            "姓名（或 name），可选 代表团、座位、状态"
        )))
    missing = [f for f in REQUIRED if f not in header.columns]
    if missing:
        labels = "、".join(f"「{LABELS[f]}」" for f in missing)
        return _failed(RowError(header.row, "、".join(LABELS[f] for f in missing),
                                f"第{header.row}行（表头）：缺少必填列{labels}"))
    after_header = [(r, c) for r, c in leading if r > header.row]

    def data_rows() -> Iterator[tuple[int, list[str]]]:
        yield from after_header
        yield from iterator

    rows: list[RollRow] = []
    seen_codes: dict[str, int] = {}
    seen_seats: dict[str, int] = {}
    count = 0
    for row, cells in data_rows():
        values = {f: _clean(cells[i]) if i < len(cells) else "" for f, i in header.columns.items()}
        if not any(values.values()) and not any(_clean(c) for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            errors.append(RowError(row, None, f"第{row}行：名册最多{MAX_ROWS}人，超出部分无法导入；请检查文件"))
            break
        parsed, row_errors = _check_row(row, values, header, seen_codes, seen_seats)
        errors += row_errors
        if parsed is not None:
            rows.append(parsed)
    if count == 0 and not errors:
        errors.append(RowError(0, None, "名册中没有代表数据（只有表头）"))
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(RowError(0, None, f"另有{len(errors) - MAX_ERRORS}处错误未列出；请先改正以上错误"))
        return _failed(*shown)
    return RollParse(rows=tuple(rows), errors=())


def _check_row(row: int, values: dict[Field, str], header: _Header, seen_codes: dict[str, int],
               seen_seats: dict[str, int]) -> tuple[RollRow | None, list[RowError]]:
    errors: list[RowError] = []

    def error(field: Field, problem: str) -> None:
        title = header.titles.get(field, LABELS[field])
        errors.append(RowError(row, title, f"第{row}行「{title}」列：{problem}"))

    code = unicodedata.normalize("NFKC", values.get("code", ""))
    name = _clean_name(values.get("name", ""))
    group = values.get("group", "")
    seat = unicodedata.normalize("NFKC", values.get("seat", ""))
    raw_status = values.get("status", "")

    checked: tuple[tuple[Field, str], ...] = (("code", code), ("name", name), ("group", group), ("seat", seat))
    for field, value in checked:
        if _CONTROL.search(value):
            error(field, "含有换行或控制字符")
        elif len(value) > MAX_LENGTH[field]:
            error(field, f"过长（{len(value)}个字符，最多{MAX_LENGTH[field]}个）")
    if not code:
        error("code", "编号不能为空")
    elif code in seen_codes:
        error("code", f"编号「{code}」重复（第{seen_codes[code]}行已有）")
    else:
        seen_codes[code] = row
    if not name:
        error("name", "姓名不能为空")
    if seat:
        if seat in seen_seats:
            error("seat", f"座位「{seat}」重复（第{seen_seats[seat]}行已有）")
        else:
            seen_seats[seat] = row
    status = STATUS_ALIASES.get("".join(raw_status.split()).casefold())
    if status is None:
        error("status", f"状态「{raw_status}」无法识别；应为 正常、暂停执行代表职务 或 终止代表资格（或留空表示正常）")
    if errors or status is None:
        return None, errors
    return RollRow(code=code, name=name, group=group, seat=seat, status=status), errors
