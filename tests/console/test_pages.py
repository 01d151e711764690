"""The repair board, bills, households and staff pages, through the app: each change lands in
the store with the API's own rules and leaves an audit row."""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from openpyxl import Workbook
from starlette.testclient import TestClient

from store.bills import BillRepository
from store.clock import utcnow
from store.console import AuditRepository
from store.repairs import NewTicket, RepairRepository
from store.staff import StaffRepository
from tests.console.conftest import PASSWORD, log_in


def open_ticket(store_of: Callable, created_hours_ago: float = 0, photo: str | None = None) -> int:
    with store_of() as store:
        store.residents.get_or_create("o_rep", utcnow())  # a follower, so that the reporter can be told
        ticket, _ = store[RepairRepository].open_ticket(
            NewTicket("o_rep", "water_leak", "3号楼502室厨房", "水管漏水", photo_url=photo),
            f"test:{utcnow().timestamp()}", utcnow() - timedelta(hours=created_hours_ago))
        return ticket.id


def audited(store_of: Callable, action: str) -> list:
    with store_of() as store:
        return store[AuditRepository].recent(action=action)


# --- repairs ------------------------------------------------------------------------------------

def test_a_repair_is_assigned_then_done_with_the_reporter_told_and_audited(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    ticket_id = open_ticket(store_of, photo="https://mmbiz.qpic.cn/leak.jpg")
    member("zhao", "property", "赵师傅")
    csrf = log_in(console, "zhao")
    board = console.get("/console/repairs")
    assert "https://mmbiz.qpic.cn/leak.jpg" in board.text and "赵师傅" in board.text
    assigned = console.post(f"/console/repairs/{ticket_id}", data={"assigned_to": "赵师傅", "csrf_token": csrf})
    assert assigned.status_code == 303
    done = console.post(f"/console/repairs/{ticket_id}", data={"status": "done", "csrf_token": csrf})
    assert done.status_code == 303 and "done=saved" in done.headers["location"]
    with store_of() as store:
        ticket = store[RepairRepository].get(ticket_id)
        assert (ticket.status, ticket.assigned_to) == ("done", "赵师傅")
        keys = {row.dedup_key for row in store.outbox.for_openid("o_rep")}
    assert {f"repair:{ticket_id}:assigned:赵师傅", f"repair:{ticket_id}:done"} <= keys
    details = [entry.detail for entry in reversed(audited(store_of, "repair_update"))]
    assert details == ["assigned 赵师傅", "done 赵师傅"]


def test_a_move_the_api_refuses_is_refused_on_the_board_too(console: TestClient, member: Callable,
                                                            store_of: Callable) -> None:
    ticket_id = open_ticket(store_of)
    member("zhao", "property")
    csrf = log_in(console, "zhao")
    console.post(f"/console/repairs/{ticket_id}", data={"status": "cancelled", "csrf_token": csrf})
    back = console.post(f"/console/repairs/{ticket_id}", data={"status": "pending", "csrf_token": csrf})
    assert "error=status" in back.headers["location"]
    with store_of() as store:
        assert store[RepairRepository].get(ticket_id).status == "cancelled"
    assert len(audited(store_of, "repair_update")) == 1


def test_overdue_tickets_are_marked_and_filtered(console: TestClient, member: Callable, store_of: Callable) -> None:
    late = open_ticket(store_of, created_hours_ago=30)
    fresh = open_ticket(store_of)
    member("zhao", "property")
    log_in(console, "zhao")
    only_late = console.get("/console/repairs?overdue=1").text
    assert f'id="repair-{late}" class="overdue"' in only_late and f'id="repair-{fresh}"' not in only_late
    assert console.get("/console/dashboard").text.count("超时未受理的报修") == 1


# --- bills --------------------------------------------------------------------------------------

def csv_file(text: str) -> dict:
    return {"file": ("bills.csv", text.encode("utf-8"), "text/csv")}


def test_a_bills_file_is_imported_and_a_broken_one_shows_every_wrong_row_and_imports_nothing(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    member("zhao", "property")
    csrf = log_in(console, "zhao")
    broken = ("楼号,房号,账期,费用类型,金额,截止日期\n3,502,2026-03,物业费,350,2026-04-20\n"
              "3,502,2026-03,卫生费,10,2026-04-20\n99,1,2026-03,水费,-5,2026-04-20\n")
    refused = console.post("/console/bills/import", data={"csrf_token": csrf}, files=csv_file(broken))
    assert refused.status_code == 422 and 'id="import-errors"' in refused.text
    assert "<td>3</td><td>费用类型</td>" in refused.text and "<td>4</td><td>金额</td>" in refused.text
    with store_of() as store:
        assert store[BillRepository].list(period="2026-03") == []
    book = Workbook()
    book.active.append(["楼号", "房号", "账期", "费用类型", "金额", "截止日期"])
    book.active.append(["3", "502", "2026-03", "物业费", 350, "2026-04-20"])
    content = io.BytesIO()
    book.save(content)
    xlsx = {"file": ("bills.xlsx", content.getvalue(), "application/octet-stream")}
    imported = console.post("/console/bills/import", data={"csrf_token": csrf}, files=xlsx)
    assert imported.status_code == 303 and "count=1" in imported.headers["location"]
    with store_of() as store:
        [bill] = store[BillRepository].list(period="2026-03")
    assert (bill.bill_type, bill.amount_fen, bill.paid) == ("物业费", 35000, False)
    assert [entry.detail for entry in audited(store_of, "bill_import")] == ["bills.xlsx: 1"]
    paid = console.post(f"/console/bills/{bill.id}/paid", data={"csrf_token": csrf, "back": "paid=no"})
    assert paid.status_code == 303 and "paid=no" in paid.headers["location"]
    with store_of() as store:
        bill = store[BillRepository].get(bill.id)
        assert (bill.paid, bill.paid_via) == (True, "office")
    assert len(audited(store_of, "bill_paid")) == 1


# --- households ---------------------------------------------------------------------------------

def test_staff_add_a_household_import_a_roster_and_issue_a_bind_code(console: TestClient, member: Callable,
                                                                      store_of: Callable) -> None:
    member("li", "staff")
    csrf = log_in(console, "li")
    created = console.post("/console/households", data={
        "building": "12", "room": "1201", "name_0": "王芳", "phone_0": "13912341201", "csrf_token": csrf})
    assert created.status_code == 303
    with store_of() as store:
        [flat] = store.households.find_by_address("12", "1201")
        member_id = flat.members[0].id
    wrong = console.post("/console/households/import", data={"csrf_token": csrf}, files={
        "file": ("roster.csv", "楼号,房号,姓名,手机\n13,1301,李雷,123\n".encode(), "text/csv")})
    assert wrong.status_code == 422 and "<td>2</td><td>电话</td>" in wrong.text
    right = console.post("/console/households/import", data={"csrf_token": csrf}, files={
        "file": ("roster.csv", "楼号,房号,姓名,手机\n13,1301,李雷,13912341301\n".encode(), "text/csv")})
    assert right.status_code == 303 and "count=1" in right.headers["location"]
    code = console.post(f"/console/households/members/{member_id}/code", data={"csrf_token": csrf})
    assert code.status_code == 303
    with store_of() as store:
        issued = store.households.member(member_id).bind_code
    assert issued and len(issued) == 6 and issued in console.get("/console/households?q=1201").text
    assert {e.action for e in audited(store_of, "")} >= {"household_create", "household_import", "bind_code"}


def test_property_staff_read_the_roster_but_cannot_change_it(console: TestClient, member: Callable) -> None:
    member("zhao", "property")
    csrf = log_in(console, "zhao")
    page = console.get("/console/households")
    assert page.status_code == 200 and "生成绑定码" not in page.text
    assert console.post("/console/households", data={"building": "1", "room": "1", "csrf_token": csrf}
                        ).status_code == 403


# --- staff and rota -----------------------------------------------------------------------------

def test_an_admin_creates_a_member_puts_them_on_duty_and_gives_them_a_login(
        console: TestClient, member: Callable, store_of: Callable) -> None:
    member("boss", "admin")
    csrf = log_in(console, "boss")
    assert console.post("/console/staff", data={"name": "孙物业", "role": "property", "csrf_token": csrf}
                        ).status_code == 303
    with store_of() as store:
        [new] = [m for m in store[StaffRepository].list() if m.name == "孙物业"]
        new_id, code = new.id, new.bind_code
    assert code and code in console.get("/console/staff").text
    console.post(f"/console/staff/{new_id}/duty", data={"on_duty": "yes", "csrf_token": csrf})
    short = console.post(f"/console/staff/{new_id}/login", data={"username": "sun", "password": "short",
                                                                 "csrf_token": csrf})
    assert "error=password" in short.headers["location"]
    console.post(f"/console/staff/{new_id}/login", data={"username": "sun", "password": PASSWORD, "csrf_token": csrf})
    with store_of() as store:
        new = store[StaffRepository].get(new_id)
        assert new.on_duty and new.username == "sun" and new.password_hash.startswith("$argon2")
    assert {e.action for e in audited(store_of, "")} >= {"staff_create", "staff_duty", "staff_login"}
    console.cookies.clear()
    log_in(console, "sun")
    assert console.get("/console/repairs").status_code == 200
    assert console.get("/console/staff").status_code == 403
