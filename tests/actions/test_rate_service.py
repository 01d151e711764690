"""rate_service (打分点评): a resident scores the service 1–5 at any time — digits or words,
with numbered choices — and may add a few words; a retried message scores once."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from actions.rate_service import RatingSettings, read_score
from bot.runtime import Runtime
from store.ratings import RatingRepository
from tests.talk import Resident
from tests.wechat_client import WeChatServer, new_msg_id


def ratings(store_of: Callable) -> list[tuple]:
    with store_of() as store:
        return [(r.openid, r.household_id, r.score, r.comment, r.source) for r in store[RatingRepository].list()]


@pytest.mark.parametrize(("words", "score", "comment"), [
    ("5", 5, None), ("５分", 5, None), ("打五星", 5, None), ("我给4分", 4, None), ("满分", 5, None),
    ("很满意", 5, None), ("十分满意", 5, None), ("满意", 4, None), ("一般", 3, None), ("不满意", 2, None),
    ("很不满意", 1, None), ("太差了", 1, None), ("很满意，保洁阿姨辛苦了", 5, "保洁阿姨辛苦了"),
    ("3分 停车管理要加强", 3, "停车管理要加强"), ("物业最近的服务，我给七分", 7, None),
    ("5，来得很及时", 5, "来得很及时"), ("满意了", 4, None), ("一般吧，来得有点晚", 3, "来得有点晚"),
])
def test_scores_are_read_from_digits_and_words(words: str, score: int, comment: str | None) -> None:
    import unicodedata

    from actions.rate_service import comment_of

    read = read_score(unicodedata.normalize("NFKC", words), RatingSettings())
    assert read is not None and read.value == score
    assert comment_of(read) == comment


@pytest.mark.parametrize("words", ["你好", "我家水管漏了", "明天天气怎么样", "", "2分钟前水管又漏了", "1号楼",
                                   "5 号楼电梯坏了", "3-502"])
def test_other_words_give_no_score(words: str) -> None:
    assert read_score(words, RatingSettings()) is None


def test_a_score_word_inside_another_word_does_not_open_an_answer() -> None:
    read = read_score("很好奇物业几点下班", RatingSettings())
    assert read is None or not read.leading


def test_asked_to_score_the_resident_answers_with_a_digit_then_adds_words(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_rater")
    question = resident.say("给物业打个分")
    assert "1–5" in question and len(resident.options) == 5 and "5分" in resident.options[4]
    thanks = resident.say("4")
    assert "满意（4分）" in thanks and resident.options == ["不用了"]
    assert ratings(store_of) == [("o_rater", None, 4, None, "service")]  # kept before any words follow
    resident.say("保安很负责，晚上巡逻很勤")
    assert ratings(store_of) == [("o_rater", None, 4, "保安很负责,晚上巡逻很勤", "service")]


def test_a_word_answers_the_question_and_nothing_more_is_fine(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_words")
    resident.say("打分点评")
    resident.say("一般")
    assert "谢谢" in resident.say("不用了")
    assert ratings(store_of) == [("o_words", None, 3, None, "service")]
    with store_of() as store:
        assert store.conversations.get("o_words").form is None  # type: ignore[union-attr]


def test_a_score_with_words_in_one_message_needs_nothing_more(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_one_go")
    resident.say("绑定 3-502 张三 1234")
    reply = resident.say("很满意，保洁阿姨辛苦了")
    assert "很满意（5分）" in reply and resident.options == []
    [(openid, household_id, score, comment, source)] = ratings(store_of)
    assert (openid, score, comment, source) == ("o_one_go", 5, "保洁阿姨辛苦了", "service") and household_id


def test_a_score_out_of_range_is_asked_again(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_seven")
    resident.say("物业最近的服务，我给七分")
    assert resident.last is not None and "rate_service.invalid_score" in resident.last.keys
    assert "1 到 5" in resident.say("6")
    resident.say("5")
    assert [r[2] for r in ratings(store_of)] == [5]


def test_a_retried_score_is_stored_once(wechat: WeChatServer, store_of) -> None:
    wechat.say("o_retry", "给物业打个分")
    msg_id = new_msg_id()
    replies = [wechat.say("o_retry", "5", msg_id=msg_id) for _ in range(3)]
    assert len({reply.body for reply in replies}) == 1
    assert [r[2] for r in ratings(store_of)] == [5]


def test_scoring_again_at_once_is_taken_for_the_same_score(runtime: Runtime, store_of) -> None:
    resident = Resident(runtime, "o_twice")
    resident.say("很满意，物业服务越来越好")
    assert "打过分" in resident.say("很满意，物业服务越来越好")
    assert len(ratings(store_of)) == 1
