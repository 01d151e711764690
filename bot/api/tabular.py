"""Spreadsheets staff upload (CSV or XLSX) read into numbered rows of named columns.

Every import of the staff API (households, bills, …) reads its file here, so they all
accept the same things: CSV in UTF-8 with or without a BOM (or GB18030, which Excel writes
on Chinese Windows), comma-, semicolon- or tab-separated, or the first visible sheet of an
XLSX workbook; headers in English or Chinese (each import declares its aliases); rows
numbered as the spreadsheet shows them (the header is row 1). A file that cannot be read
raises :class:`TableError` with one problem per line that staff can fix.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from starlette.datastructures import UploadFile

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
#: An XLSX is a zip; refuse one that would unpack to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_HEADER_NOISE = re.compile(r"\(.*?\)|\[.*?\]|[\s*_\-:：]")


@dataclass(frozen=True, slots=True)
class Column:
    """One column an import reads: its API name and the headers that mean it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    @property
    def label(self) -> str:
        """How staff see the column named in a message: its first Chinese header, ``手机``."""
        return self.aliases[0] if self.aliases else self.name


@dataclass(frozen=True, slots=True)
class Row:
    """A data row: its number in the spreadsheet and its cells by column name ("" when blank)."""

    number: int
    values: Mapping[str, str]

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(frozen=True, slots=True)
class Problem:
    row: int | None
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class TableError(Exception):
    """The file cannot be read as a table of the expected columns."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems

    @classmethod
    def of(cls, message: str, field: str = "file", row: int | None = None) -> TableError:
        return cls([Problem(row, field, message)])

    def __str__(self) -> str:
        return "; ".join(problem.message for problem in self.problems)


def read_upload(upload: UploadFile, max_bytes: int = MAX_BYTES) -> bytes:
    """The uploaded file's bytes, refusing it once it grows past ``max_bytes``.

    Reads the spooled file synchronously: call it from a plain ``def`` route (run in a thread)."""
    if upload.size is not None and upload.size > max_bytes:
        raise _too_big(max_bytes)
    upload.file.seek(0)
    content = upload.file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _too_big(max_bytes)
    return content


def read_table(filename: str, content: bytes, columns: Sequence[Column], *,
               max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> list[Row]:
    """The data rows of a CSV or XLSX file, cells mapped to ``columns`` by their headers."""
    if len(content) > max_bytes:
        raise _too_big(max_bytes)
    if not content.strip():
        raise TableError.of("文件是空的")
    cells = _cells(filename.lower(), content)
    return _rows(cells, columns, max_rows)


def _too_big(max_bytes: int) -> TableError:
    return TableError.of(f"文件超过 {max_bytes // 1024} KB，请拆成几个小文件")


def _cells(filename: str, content: bytes) -> list[list[str]]:
    if content.startswith(_OLE_MAGIC) or filename.endswith(".xls"):
        raise TableError.of("不能读取旧版 .xls 文件，请另存为 .xlsx 或 CSV（UTF-8）")
    if content.startswith(_ZIP_MAGIC):
        return _xlsx_cells(content)
    if filename.endswith(".xlsx"):
        raise TableError.of("文件名是 .xlsx，但内容不是 Excel 工作簿")
    suffix = filename.rpartition(".")[2] if "." in filename else ""
    if suffix and f".{suffix}" not in _TEXT_SUFFIXES:
        raise TableError.of(f"不能导入 .{suffix} 文件，请上传 CSV 或 XLSX 文件")
    return _csv_cells(content)


def _csv_cells(content: bytes) -> list[list[str]]:
    if b"\x00" in content:
        raise TableError.of("文件不是 CSV 或 XLSX 格式")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            raise TableError.of("文件不是 UTF-8 编码的文本，请另存为“CSV UTF-8”或 XLSX") from None
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        return [[cell.strip() for cell in record] for record in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as error:
        raise TableError.of(f"CSV 文件无法读取，请另存为“CSV UTF-8”或 XLSX 后再上传（{error}）") from None


def _xlsx_cells(content: bytes) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TableError.of("无法读取这个 XLSX 工作簿，请检查文件是否完整") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError.of("工作簿解压后太大，请拆成几个小文件")
    from openpyxl import load_workbook  # imported here: only imports need it, start-up does not
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise TableError.of("无法读取这个 XLSX 工作簿，请检查文件是否完整") from None
    try:
        sheet = workbook.active if workbook.active is not None else workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number comes back as 13912345678.0
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _rows(cells: list[list[str]], columns: Sequence[Column], max_rows: int) -> list[Row]:
    header_index = next((i for i, cells_ in enumerate(cells) if any(cells_)), None)
    if header_index is None:
        raise TableError.of("文件是空的")
    header_row = header_index + 1
    positions = _header_positions(cells[header_index], columns, header_row)
    rows = []
    for index in range(header_index + 1, len(cells)):
        record = cells[index]
        if not any(record):
            continue
        values = {name: (record[at] if at < len(record) else "") for name, at in positions.items()}
        rows.append(Row(index + 1, values))
        if len(rows) > max_rows:
            raise TableError.of(f"文件超过 {max_rows} 行，请拆成几个小文件")
    if not rows:
        raise TableError.of("文件只有表头，下面没有数据", row=header_row)
    return rows


def _header_positions(header: list[str], columns: Sequence[Column], header_row: int) -> dict[str, int]:
    meaning = {_header_key(alias): column for column in columns for alias in (column.name, *column.aliases)}
    positions: dict[str, int] = {}
    problems = []
    for at, title in enumerate(header):
        column = meaning.get(_header_key(title))
        if column is None:
            continue  # a column no one asked for (备注 …) is left alone
        if column.name in positions:
            first = header[positions[column.name]]
            problems.append(Problem(header_row, column.name,
                                    f"“{first}”和“{title}”两列都是“{column.label}”，请只保留一列"))
            continue
        positions[column.name] = at
    problems += [Problem(header_row, column.name, f"缺少“{column.label}”列")
                 for column in columns if column.required and column.name not in positions]
    if problems:
        raise TableError(problems)
    return positions


def _header_key(title: str) -> str:
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", title).lower())


def as_dicts(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    return [problem.to_dict() for problem in problems]
