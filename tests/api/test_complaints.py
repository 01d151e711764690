"""`/api/complaints`: staff read complaints in the residents' words, publish a moderated text
(or the original) for every resident to read, or close one."""
from __future__ import annotations

from datetime import datetime

import pytest
from starlette.testclient import TestClient

from tests.wechat_client import WeChatServer, new_msg_id

FIELDS = {"id", "openid", "household_id", "text", "status", "created_at"}
NOISY = "楼上天天半夜装修太吵了，我要投诉"


def complain(wechat: WeChatServer, openid: str = "o_complainer", words: str = NOISY) -> None:
    reply = wechat.say(openid, words).content
    if "您是想" in reply:  # not sure it is a complaint: asked, and the words are kept for the choice
        assert "投诉建议" in reply.split("2.")[0]
        reply = wechat.say(openid, "1").content
    assert "记下" in reply


def test_a_complaint_through_wechat_is_listed_with_the_fixed_fields(api: TestClient, wechat: WeChatServer) -> None:
    wechat.say("o_complainer", "绑定 3-502 张三 1234")
    complain(wechat)
    listed = api.get("/api/complaints")
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    [item] = listed.json()
    assert set(item) == FIELDS
    # the words as the resident wrote them, Chinese punctuation included
    assert (item["openid"], item["text"], item["status"]) == ("o_complainer", NOISY, "open")
    household = [h for h in api.get("/api/households").json() if h["address"] == "3-502"][0]
    assert item["household_id"] == household["id"]
    assert datetime.fromisoformat(item["created_at"]).utcoffset() is not None


def test_a_retried_complaint_is_recorded_once(api: TestClient, wechat: WeChatServer) -> None:
    msg_id = new_msg_id()
    replies = [wechat.say("o_retry", NOISY, msg_id=msg_id) for _ in range(3)]
    assert len({reply.body for reply in replies}) == 1
    assert len(api.get("/api/complaints").json()) == 1
    assert len(api.get("/api/escalations").json()) == 1


def test_publishing_the_original_or_a_moderated_text(api: TestClient, wechat: WeChatServer) -> None:
    complain(wechat, "o_a", "我要投诉，地下车库天天有人乱停车，我是3号楼张三，电话13912341234")
    complain(wechat, "o_b", "希望周末开放活动室，老人下棋没地方去")
    first, second = (item["id"] for item in api.get("/api/complaints").json())
    words = "地下车库有人乱停车，请物业加强管理。"
    moderated = api.post(f"/api/complaints/{first}/publish", json={"text": words})
    assert moderated.status_code == 200
    assert (moderated.json()["status"], moderated.json()["published_text"]) == ("published", words)
    original = api.post(f"/api/complaints/{second}/publish")
    assert original.json()["published_text"] == "希望周末开放活动室，老人下棋没地方去"
    assert [i["id"] for i in api.get("/api/complaints?status=published").json()] == [first, second]
    assert api.get("/api/complaints?status=open").json() == []
    listed = api.get(f"/api/complaints/{first}").json()
    assert "13912341234" in listed["text"] and listed["published_at"] is not None


def test_closing_one_takes_it_off_the_residents_list(api: TestClient, wechat: WeChatServer) -> None:
    complain(wechat)
    [item] = api.get("/api/complaints").json()
    api.post(f"/api/complaints/{item['id']}/publish")
    closed = api.post(f"/api/complaints/{item['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [i["id"] for i in api.get("/api/complaints?status=closed").json()] == [item["id"]]
    assert "还没有公开的建议" in wechat.say("o_reader", "大家提了哪些建议").content


@pytest.mark.parametrize(("body", "field"), [({"text": ""}, "text"), ({"text": "x" * 2001}, "text"),
                                             ({"text": 5}, "text")])
def test_a_wrong_moderated_text_is_422_naming_the_field(api: TestClient, wechat: WeChatServer, body: dict,
                                                        field: str) -> None:
    complain(wechat)
    [item] = api.get("/api/complaints").json()
    response = api.post(f"/api/complaints/{item['id']}/publish", json=body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert api.get("/api/complaints").json()[0]["status"] == "open"


def test_unknown_complaints_are_404_a_wrong_status_422_and_the_token_required(api: TestClient,
                                                                              client: TestClient) -> None:
    assert api.post("/api/complaints/999/publish").status_code == 404
    assert api.post("/api/complaints/999/close").status_code == 404
    assert api.get("/api/complaints/999").status_code == 404
    wrong = api.get("/api/complaints?status=hidden")
    assert wrong.status_code == 422 and wrong.json()["field"] == "status"
    client.headers.pop("Authorization")
    assert client.get("/api/complaints").status_code == 401
