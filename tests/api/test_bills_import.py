"""`POST /api/bills/import`: a spreadsheet of bills, Chinese or English headers, all or nothing."""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

from openpyxl import Workbook
from starlette.testclient import TestClient

from store.bills import BillRepository
from tests.bills_data import household


def upload(api: TestClient, content: bytes, filename: str = "bills.csv"):
    return api.post("/api/bills/import", files={"file": (filename, content)})


def bills_of(store_of: Callable, household_id: int) -> list[tuple[str, str, int, date, bool]]:
    with store_of() as store:
        return [(b.period, b.bill_type, b.amount_fen, b.due_date, b.paid)
                for b in store[BillRepository].list(household_id)]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_chinese_headers_flats_by_address_and_the_ways_spreadsheets_write_things(api: TestClient,
                                                                                 store_of) -> None:
    first = household(store_of, "82", "101")
    second = household(store_of, "82", "202", unit="3", name="赵一", phone="13900002020")
    content = (
        "楼号,单元,房号,账期,费用类型,金额(元),缴费截止日,已缴,备注\n"
        "82,,101,2026-03,物业费,350,2026-04-20,否,\n"
        "82,,101,2026年3月,管理费,¥12.5,2026/4/20,,这一行是另一种费吗\n"
        "82,3,202,202603,水费,\"1,200.50元\",2026年4月20日,已缴,\n"
    ).encode()
    response = upload(api, "\ufeff".encode() + content)
    assert response.status_code == 422  # 管理费 is 物业费: the second row bills 82-101's 2026-03 物业费 again
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "bill_type")]
    fixed = content.replace("管理费".encode(), "停车费".encode())
    response = upload(api, fixed)
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 3, "errors": []}
    assert bills_of(store_of, first) == [("2026-03", "物业费", 35000, date(2026, 4, 20), False),
                                         ("2026-03", "停车费", 1250, date(2026, 4, 20), False)]
    assert bills_of(store_of, second) == [("2026-03", "水费", 120050, date(2026, 4, 20), True)]


def test_english_headers_with_household_ids(api: TestClient, store_of) -> None:
    flat = household(store_of, "83", "101")
    content = (f"household_id,period,bill_type,amount,due_date,paid\n"
               f"{flat},2026-05,electricity,88.8,2026-06-15,false\n").encode()
    assert upload(api, content).json() == {"imported": 1, "errors": []}
    assert bills_of(store_of, flat) == [("2026-05", "电费", 8880, date(2026, 6, 15), False)]


def test_an_xlsx_with_dates_and_numbers_as_cells(api: TestClient, store_of) -> None:
    flat = household(store_of, "84", "101")
    content = xlsx([["楼号", "房号", "月份", "收费项目", "应缴金额", "到期日", "缴费状态"],
                    [84, 101, "2026-07", "燃气费", 45, date(2026, 8, 20), "未缴"],
                    [84, 101, "2026-07", "水费", 33.3, date(2026, 8, 20), "已缴"]])
    assert upload(api, content, "bills.xlsx").json() == {"imported": 2, "errors": []}
    assert bills_of(store_of, flat) == [("2026-07", "燃气费", 4500, date(2026, 8, 20), False),
                                        ("2026-07", "水费", 3330, date(2026, 8, 20), True)]


def test_one_wrong_row_imports_nothing_and_every_wrong_row_is_reported(api: TestClient, store_of) -> None:
    flat = household(store_of, "85", "101")
    content = (
        "楼号,房号,账期,费用类型,金额,截止日期\n"
        "85,101,2026-03,物业费,350,2026-04-20\n"     # row 2: fine
        "85,101,2026-13,水费,40,2026-04-20\n"        # row 3: no such month
        "85,101,2026-03,电费,-5,2026-04-20\n"        # row 4: negative
        "85,101,2026-03,燃气费,30,x\n"               # row 5: not a date
        "85,101,2026-03,暖气费,30,2026-04-20\n"      # row 6: not a fee we bill
        "85,999,2026-03,水费,30,2026-04-20\n"        # row 7: no such flat
        "85,101,2026-03,物业费,350,2026-04-20\n"     # row 8: the same bill as row 2
    ).encode()
    response = upload(api, content)
    assert response.status_code == 422
    body = response.json()
    assert body["imported"] == 0
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (3, "period"), (4, "amount"), (5, "due_date"), (6, "bill_type"), (7, "room"), (8, "bill_type")]
    assert [e["message"] for e in body["errors"]] == [
        "应为月份，格式 YYYY-MM，如 2026-03", "应大于 0", "应为日期，格式 YYYY-MM-DD，如 2026-03-15",
        "应为以下费用之一：物业费、停车费、水费、电费、燃气费", "85-999 不在住户名册中", "第 2 行已有同一张账单"]
    assert bills_of(store_of, flat) == []


def test_a_bill_already_recorded_is_reported_and_nothing_is_imported(api: TestClient, store_of) -> None:
    flat = household(store_of, "86", "101")
    content = (f"household_id,period,bill_type,amount,due_date\n"
               f"{flat},2026-03,物业费,350,2026-04-20\n"
               f"{flat},2026-03,水费,30,2026-04-20\n").encode()
    assert upload(api, content).json()["imported"] == 2
    again = upload(api, content)
    assert again.status_code == 422
    assert {(e["row"], e["field"], e["message"]) for e in again.json()["errors"]} == {
        (2, "period", f"住户 {flat} 已有 2026-03 的物业费账单"), (3, "period", f"住户 {flat} 已有 2026-03 的水费账单")}
    assert len(bills_of(store_of, flat)) == 2


def test_a_file_that_does_not_say_whose_bills_they_are_is_refused(api: TestClient) -> None:
    response = upload(api, "账期,费用类型,金额,截止日期\n2026-03,物业费,350,2026-04-20\n".encode())
    assert response.status_code == 422
    assert response.json() == {"imported": 0, "errors": [
        {"row": 1, "field": "household_id", "message": "缺少“住户编号”列，或“楼号”和“房号”两列"}]}


def test_an_unknown_household_id_and_a_missing_column(api: TestClient) -> None:
    unknown = upload(api, b"household_id,period,bill_type,amount,due_date\n999999,2026-03,water,1,2026-04-20\n")
    assert [(e["row"], e["field"], e["message"]) for e in unknown.json()["errors"]] == [
        (2, "household_id", "没有编号为 999999 的住户")]
    missing = upload(api, "household_id,period,bill_type,due_date\n1,2026-03,水费,2026-04-20\n".encode())
    assert [(e["row"], e["field"], e["message"]) for e in missing.json()["errors"]] == [(1, "amount", "缺少“金额”列")]


def test_files_that_are_not_a_table_are_refused_for_the_file(api: TestClient) -> None:
    for content, filename in [(b"", "b.csv"), (b"%PDF-1.4", "b.pdf"), (b"PK\x03\x04broken", "b.xlsx")]:
        response = upload(api, content, filename)
        assert response.status_code == 422
        assert response.json()["imported"] == 0 and response.json()["errors"][0]["field"] == "file"
