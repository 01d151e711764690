"""`POST /api/households/import`: a roster spreadsheet, all or nothing, with a report per row."""
from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook
from starlette.testclient import TestClient

from bot.api import tabular

CHINESE_ROSTER = (
    "楼号,单元,房号,姓名,手机,党员,备注\n"
    "90,1,101,周建华,13890901011,是,户主\n"
    "90,1,101,吴桂兰,13890901012,,\n"
    "90,,202,郑国强,021-62009020,否,\n"
)


def upload(api: TestClient, content: bytes, filename: str = "roster.csv"):
    return api.post("/api/households/import", files={"file": (filename, content)})


def households_in(store_of: Callable, building: str) -> dict[str, list[tuple[str, str, bool]]]:
    with store_of() as store:
        return {h.address: [(m.name, m.phone, m.party_member) for m in h.members]
                for h in store.households.list() if h.building == building}


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_csv_with_bom_and_chinese_headers_imports_one_household_per_flat(api: TestClient, store_of) -> None:
    response = upload(api, "\ufeff".encode() + CHINESE_ROSTER.encode("utf-8"))
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 2, "errors": []}
    assert households_in(store_of, "90") == {
        "90-1-101": [("周建华", "13890901011", True), ("吴桂兰", "13890901012", False)],
        "90-202": [("郑国强", "02162009020", False)],
    }


def test_english_headers_and_a_csv_without_bom(api: TestClient, store_of) -> None:
    content = "building,unit,room,name,phone,party_member\n91,,301,冯丽,13891913010,true\n".encode()
    assert upload(api, content).json() == {"imported": 1, "errors": []}
    assert households_in(store_of, "91") == {"91-301": [("冯丽", "13891913010", True)]}


def test_an_xlsx_roster_is_imported_and_numbers_typed_as_numbers_are_read_as_phones(api: TestClient,
                                                                                    store_of) -> None:
    content = xlsx([["楼号", "房号", "姓名", "电话", "是否党员"],
                    [92, 501, "褚红梅", 13892925010, "是"],
                    [92, 501, "卫东", "13892925011", None],
                    [92, 502, "蒋涛", 13892925020.0, "否"]])
    response = upload(api, content, "roster.xlsx")
    assert response.json() == {"imported": 2, "errors": []}
    assert households_in(store_of, "92") == {
        "92-501": [("褚红梅", "13892925010", True), ("卫东", "13892925011", False)],
        "92-502": [("蒋涛", "13892925020", False)],
    }


def test_one_wrong_row_imports_nothing_and_every_wrong_row_is_reported(api: TestClient, store_of) -> None:
    content = (
        "楼号,房号,姓名,手机\n"
        "93,101,沈一,13893931010\n"
        "93,102,,13893931020\n"          # row 3: no name
        "93,103,韩三,1389393103x\n"      # row 4: letters in the phone
        "\n"                             # row 5: blank, skipped but counted
        ",104,杨五,13893931040\n"        # row 6: no building
        "3,502,张三,13912341234\n"       # row 7: the demo flat 3-502 exists
    ).encode()
    response = upload(api, content)
    assert response.status_code == 422
    body = response.json()
    assert body["imported"] == 0
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (3, "name"), (4, "phone"), (6, "building"), (7, "room")]
    assert all(e["message"] for e in body["errors"])
    assert households_in(store_of, "93") == {}


def test_the_same_person_twice_in_a_flat_is_reported_on_the_second_row(api: TestClient) -> None:
    content = "楼号,房号,姓名,手机\n94,101,朱六,13894941010\n94,101,朱六,13894941010\n".encode()
    body = upload(api, content).json()
    assert body["imported"] == 0 and [(e["row"], e["field"]) for e in body["errors"]] == [(3, "name")]


def test_importing_the_same_file_twice_adds_nothing_the_second_time(api: TestClient, store_of) -> None:
    content = CHINESE_ROSTER.encode()
    assert upload(api, content).json()["imported"] == 2
    again = upload(api, content)
    assert again.status_code == 422
    assert {(e["row"], e["field"]) for e in again.json()["errors"]} == {(2, "room"), (3, "room"), (4, "room")}
    assert len(households_in(store_of, "90")) == 2


def test_a_missing_required_column_is_reported_on_the_header_row(api: TestClient) -> None:
    body = upload(api, "楼号,房号,姓名\n95,101,秦七\n".encode()).json()
    assert body == {"imported": 0, "errors": [{"row": 1, "field": "phone",
                                               "message": body["errors"][0]["message"]}]}


def test_files_that_are_not_a_roster_are_refused_for_the_file(api: TestClient) -> None:
    cases = [
        (b"", "roster.csv"),
        (b"   \n\n", "roster.csv"),
        ("楼号,房号,姓名,手机\n".encode(), "roster.csv"),
        (b"%PDF-1.4 not a table", "roster.pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "roster.xls"),
        (b"PK\x03\x04broken zip", "roster.xlsx"),
        (b"\x00\x01\x02binary", "roster.csv"),
    ]
    for content, filename in cases:
        response = upload(api, content, filename)
        assert response.status_code == 422, filename
        body = response.json()
        assert body["imported"] == 0 and body["errors"][0]["field"] == "file" and body["errors"][0]["message"]


def test_a_file_over_the_size_limit_is_refused(api: TestClient) -> None:
    row = "96,101,许八,13896961010\n"
    content = ("楼号,房号,姓名,手机\n" + row * (tabular.MAX_BYTES // len(row.encode()) + 10)).encode()
    body = upload(api, content).json()
    assert body["imported"] == 0 and body["errors"][0]["field"] == "file"
    assert body["errors"][0]["message"] == f"文件超过 {tabular.MAX_BYTES // 1024} KB，请拆成几个小文件"


def test_staff_read_every_problem_in_chinese(api: TestClient) -> None:
    """The report staff read (the console shows these same messages): plain Chinese, the
    examples and the row or flat they concern kept, the JSON shape unchanged."""
    content = (
        "楼号,房号,姓名,手机,党员\n"
        "97,101,吕一,1389797101x,是\n"   # row 2: a letter in the phone
        "97,102,施二,1389797102,否\n"    # row 3: a digit short
        "97,103,张三,13897971030,也许\n"  # row 4: neither 是 nor 否
        "97,104,孔四,13897971040,\n"
        "97,104,孔四,13897971040,\n"     # row 6: the same person twice
        "3,502,曹五,13897971050,\n"      # row 7: the demo flat 3-502 is on the roster
    ).encode()
    response = upload(api, content)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"imported", "errors"} and body["imported"] == 0
    assert all(set(e) == {"row", "field", "message"} for e in body["errors"])
    messages = {(e["row"], e["field"]): e["message"] for e in body["errors"]}
    assert messages[(2, "phone")] == "电话号码只能是数字：手机 11 位，座机带区号"
    assert messages[(3, "phone")] == "应为 11 位手机号（如 13912345678）或带区号的座机（如 021-62345678）"
    assert messages[(4, "party_member")] == "请填“是”或“否”（不填即为“否”）"
    assert messages[(6, "name")] == "第 5 行已有 97-104 的孔四"
    assert messages[(7, "room")].startswith("3-502 已在住户名册中（住户编号 ")
    assert not any(ch.isascii() and ch.isalpha() for e in body["errors"] for ch in e["message"])


def test_a_missing_column_is_named_by_its_chinese_header(api: TestClient) -> None:
    response = upload(api, "楼号,房号,手机\n97,201,13897972010\n".encode())
    assert response.status_code == 422
    assert response.json() == {"imported": 0, "errors": [{"row": 1, "field": "name", "message": "缺少“姓名”列"}]}
    assert upload(api, "楼号,房号,姓名\n97,201,秦七\n".encode()).json()["errors"] == [
        {"row": 1, "field": "phone", "message": "缺少“手机”列"}]


def test_files_that_cannot_be_read_are_refused_in_chinese(api: TestClient) -> None:
    cases = [
        (b"", "roster.csv", "文件是空的"),
        ("楼号,房号,姓名,手机\n".encode(), "roster.csv", "文件只有表头，下面没有数据"),
        (b"%PDF-1.4 not a table", "roster.pdf", "不能导入 .pdf 文件，请上传 CSV 或 XLSX 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "roster.xls",
         "不能读取旧版 .xls 文件，请另存为 .xlsx 或 CSV（UTF-8）"),
        (b"PK\x03\x04broken zip", "roster.xlsx", "无法读取这个 XLSX 工作簿，请检查文件是否完整"),
        (b"\x00\x01\x02binary", "roster.csv", "文件不是 CSV 或 XLSX 格式"),
    ]
    for content, filename, message in cases:
        body = upload(api, content, filename).json()
        assert body["errors"] == [{"row": body["errors"][0]["row"], "field": "file", "message": message}], filename


def test_a_request_without_a_file_is_422_naming_it(api: TestClient) -> None:
    response = api.post("/api/households/import", data={"other": "x"})
    assert response.status_code == 422 and response.json()["field"] == "file"
