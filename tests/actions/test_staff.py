"""Staff on WeChat: bound with a one-time code, told of new cases, answering and closing them
from WeChat; the resident's follow-ups stay with the same case; residents cannot use staff words."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from bot.app import _outbox_worker, create_app
from bot.runtime import Runtime
from tests.api.conftest import AUTH, STAFF_TOKEN
from tests.fake_wechat_api import FakeWeChatApi
from tests.talk import Resident
from tests.wechat_client import WeChatServer


@pytest.fixture
def fake_api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as api:
        yield api


@pytest.fixture
def staffed(make_runtime: Callable[..., Runtime], fake_api: FakeWeChatApi) -> Runtime:
    return make_runtime(STAFF_API_TOKEN=STAFF_TOKEN, WECHAT_SECRET="s3cret", WECHAT_API_BASE_URL=fake_api.base_url)


def new_staff(http: TestClient, name: str = "王主任", role: str = "staff") -> tuple[int, str]:
    created = http.post("/api/staff", json={"name": name, "role": role}, headers=AUTH)
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "bind_code"}
    return body["id"], body["bind_code"]


def sent_to(fake_api: FakeWeChatApi, openid: str) -> list[str]:
    return [m["text"]["content"] for m in fake_api.sent if m["touser"] == openid and m["msgtype"] == "text"]


def test_the_escalation_loop_end_to_end_on_wechat(staffed: Runtime, fake_api: FakeWeChatApi, store_of,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """人工 reaches a bound staff member's WeChat; the answer typed there reaches the resident;
    the resident's follow-up stays with the case; 结案 closes it and tells the resident; the
    console shows the case closed."""
    from tests.conftest import AES_KEY, APPID, TOKEN
    from tests.console.conftest import add_member, log_in

    monkeypatch.setenv("CONSOLE_SECRET", "test-console-secret-0123456789abcdef")

    worker = _outbox_worker(staffed)
    assert worker is not None
    with TestClient(create_app(staffed, background=False)) as http:
        wechat = WeChatServer(http, TOKEN, APPID, AES_KEY)
        staff_id, code = new_staff(http)
        assert "绑定成功" in wechat.say("o_staff_wang", f"工作人员绑定 {code}", safe=True).content
        assert http.get("/api/staff", headers=AUTH).json()[0]["bound"] is True

        wechat.say("o_resident_a", "我家门口的路灯坏了好几天")
        handed = wechat.say("o_resident_a", "人工", safe=True).content
        assert "编号" in handed
        worker.run_once()
        [notice] = sent_to(fake_api, "o_staff_wang")
        assert "路灯" in notice and "回复" in notice
        case = int(handed.split("编号 ")[1].split("）")[0])

        assert "已回复" in wechat.say("o_staff_wang", f"回复 {case} 明天上午电工来换灯").content
        worker.run_once()
        assert any("明天上午电工来换灯" in m for m in sent_to(fake_api, "o_resident_a"))

        follow = wechat.say("o_resident_a", "大概几点钟到呢").content
        assert f"编号 {case}" in follow
        worker.run_once()
        assert any("几点钟" in m for m in sent_to(fake_api, "o_staff_wang"))

        todo = wechat.say("o_staff_wang", "待办").content
        assert str(case) in todo and "138" not in todo
        assert "结案" in wechat.say("o_staff_wang", f"结案 {case}").content
        worker.run_once()
        assert any("处理完毕" in m for m in sent_to(fake_api, "o_resident_a"))
        [listed] = http.get("/api/escalations", headers=AUTH).json()
        assert listed["status"] == "closed" and "几点钟" in listed["text"]

        add_member(staffed, "wang", "staff")  # the same case, seen by staff in the console
        log_in(http, "wang")
        page = http.get(f"/console/inbox/{case}")
        assert page.status_code == 200 and "已结案" in page.text and "明天上午电工来换灯" in page.text


def test_residents_cannot_use_staff_words(staffed: Runtime, store_of) -> None:
    resident = Resident(staffed, "o_not_staff")
    resident.say("人工")
    reply = resident.say("结案 1")
    assert "结案" not in reply or "已结案" not in reply
    with store_of() as store:
        assert store.escalations.get(1).status == "open"
    assert "待处理的问题" not in resident.say("待办")


def test_a_wrong_or_used_bind_code_binds_nobody(staffed: Runtime) -> None:
    with TestClient(create_app(staffed, background=False)) as http:
        _, code = new_staff(http, "李师傅", "property")
    first = Resident(staffed, "o_first")
    assert "绑定成功" in first.say(f"工作人员绑定 {code}")
    assert "不对" in Resident(staffed, "o_second").say(f"工作人员绑定 {code}")
    assert "不对" in Resident(staffed, "o_third").say("工作人员绑定 SXXXXXXX")


def test_staff_messages_never_reach_the_resident_dialogue(staffed: Runtime, store_of) -> None:
    with TestClient(create_app(staffed, background=False)) as http:
        _, code = new_staff(http)
    staff = Resident(staffed, "o_staff_li")
    staff.say(f"工作人员绑定 {code}")
    reply = staff.say("我家厨房水管漏水了")
    assert "待办" in reply and "请核对" not in reply
    with store_of() as store:
        assert store.escalations.list() == []


def test_property_matters_go_to_property_staff_on_duty(staffed: Runtime, store_of) -> None:
    from store.staff import StaffRepository

    with TestClient(create_app(staffed, background=False)) as http:
        ids = {}
        for name, role in (("物业甲", "property"), ("物业乙", "property"), ("居委丙", "staff")):
            staff_id, code = new_staff(http, name, role)
            Resident(staffed, f"o_{name}").say(f"工作人员绑定 {code}")
            ids[name] = staff_id
        assert http.patch(f"/api/staff/{ids['物业乙']}", json={"on_duty": True}, headers=AUTH).status_code == 200
    with store_of() as store:
        repo = store[StaffRepository]
        assert [m.name for m in repo.recipients("property")] == ["物业乙"]
        assert [m.name for m in repo.recipients("staff")] == ["居委丙"]
        assert [m.name for m in repo.recipients("party")] == ["居委丙"]  # nobody of the role: the committee


def test_staff_api_validates_the_role(staffed: Runtime) -> None:
    with TestClient(create_app(staffed, background=False)) as http:
        wrong = http.post("/api/staff", json={"name": "某人", "role": "boss"}, headers=AUTH)
        assert wrong.status_code == 422 and wrong.json()["field"] == "role"
        assert http.post("/api/staff", json={"name": "某人", "role": "party"}).status_code == 401
        assert http.patch("/api/staff/999", json={"on_duty": True}, headers=AUTH).status_code == 404


def test_after_a_staff_answer_the_residents_words_go_to_staff_until_they_leave_or_it_closes(
        staffed: Runtime, store_of) -> None:
    from bot.cases import answer_case, close_case

    resident = Resident(staffed, "o_live")
    resident.say("人工")
    with store_of() as store:
        case = store.escalations.open_for("o_live")
        answer_case(store, staffed.responses, case, "请问是哪一栋？", case.created_at, key="k1")
    assert "编号" in resident.say("我的报修怎么样了")  # for staff now, not the bot
    with store_of() as store:
        assert "我的报修怎么样了" in store.escalations.open_for("o_live").text
    assert "自助服务" in resident.say("取消")
    assert "没有查到" in resident.say("我的报修怎么样了")  # the bot again
    with store_of() as store:
        case = store.escalations.open_for("o_live")
        answer_case(store, staffed.responses, case, "好的", case.created_at, key="k2")
        close_case(store, staffed.responses, case, case.created_at)
    assert "没有查到" in resident.say("我的报修怎么样了")  # closed: the bot answers


def test_the_to_do_list_names_every_kind_of_case(staffed: Runtime, store_of) -> None:
    """Cases the bot opens by itself (a repair nobody accepted in time) are listed like the others."""
    from store.clock import utcnow

    with TestClient(create_app(staffed, background=False)) as http:
        _, code = new_staff(http)
    with store_of() as store:
        store.escalations.open("o_someone", "repair_overdue", "【报修超时未受理 3】电梯｜3号楼", utcnow())
    staff = Resident(staffed, "o_staff_todo")
    staff.say(f"工作人员绑定 {code}")
    todo = staff.say("待办")
    assert "报修超时" in todo and "3号楼" in todo
