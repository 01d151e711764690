"""Reading staff spreadsheets (bot.api.tabular), which every import of the staff API shares."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from bot.api.tabular import Column, TableError, read_table

COLUMNS = (Column("name", ("姓名",)), Column("phone", ("手机", "电话")), Column("note", ("备注",), required=False))


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_are_numbered_as_the_spreadsheet_shows_them() -> None:
    content = "\n姓名,手机\n甲,1\n\n乙,2\n".encode()
    rows = read_table("a.csv", content, COLUMNS)
    assert [(row.number, row["name"], row["phone"], row["note"]) for row in rows] == [
        (3, "甲", "1", ""), (5, "乙", "2", "")]


def test_decorated_headers_are_recognised_and_unknown_columns_ignored() -> None:
    content = "序号; 姓名* ;手机（必填）;Remarks\n1;甲;139;x\n".encode()
    [row] = read_table("a.csv", content, COLUMNS)
    assert dict(row.values) == {"name": "甲", "phone": "139"}


def test_a_quoted_cell_over_two_lines_is_one_row() -> None:
    rows = read_table("a.csv", '姓名,手机,备注\n甲,1,"两\n行"\n乙,2,\n'.encode(), COLUMNS)
    assert [(row.number, row["note"]) for row in rows] == [(2, "两\n行"), (3, "")]


def test_gb18030_csv_from_excel_on_chinese_windows_is_read() -> None:
    [row] = read_table("a.csv", "姓名\t手机\n张三\t139\n".encode("gb18030"), COLUMNS)
    assert row["name"] == "张三"


def test_two_columns_with_one_meaning_are_refused() -> None:
    with pytest.raises(TableError) as refused:
        read_table("a.csv", "姓名,手机,电话\n甲,1,2\n".encode(), COLUMNS)
    [problem] = refused.value.problems
    assert (problem.row, problem.field) == (1, "phone")
    assert problem.message == "“手机”和“电话”两列都是“手机”，请只保留一列"


def test_missing_required_columns_are_each_reported() -> None:
    with pytest.raises(TableError) as refused:
        read_table("a.csv", "备注\nx\n".encode(), COLUMNS)
    assert [(p.row, p.field, p.message) for p in refused.value.problems] == [
        (1, "name", "缺少“姓名”列"), (1, "phone", "缺少“手机”列")]


def test_xlsx_cells_become_text_as_staff_typed_them() -> None:
    content = xlsx([["姓名", "手机", "备注"],
                    ["甲", 13912345678, datetime(2026, 3, 15)],
                    ["乙", 13912345679.0, date(2026, 3, 16)],
                    [None, None, None],
                    ["丙", "  139  ", True]])
    rows = read_table("roster.xlsx", content, COLUMNS)
    assert [(row.number, row["name"], row["phone"], row["note"]) for row in rows] == [
        (2, "甲", "13912345678", "2026-03-15"), (3, "乙", "13912345679", "2026-03-16"),
        (5, "丙", "139", "true")]


def test_too_many_rows_are_refused() -> None:
    content = ("姓名,手机\n" + "甲,1\n" * 11).encode()
    with pytest.raises(TableError, match="文件超过 10 行，请拆成几个小文件"):
        read_table("a.csv", content, COLUMNS, max_rows=10)


def test_an_xlsx_that_unpacks_to_too_much_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.api import tabular

    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(TableError, match="工作簿解压后太大"):
        read_table("a.xlsx", xlsx([["姓名", "手机"], ["甲", 1]]), COLUMNS)
