"""Board posts in the store: one post per source message, one like per resident (also when
likes race), expiry, and forgetting an author."""
from __future__ import annotations

import threading
from datetime import timedelta

from store.board import BoardRepository
from store.clock import utcnow
from tests.community_support import add_households


def new_post(unit_of_work, household: int, kind: str = "good_news", key: str = "m1", openid: str = "o_author"):
    with unit_of_work() as store:
        post, created = store[BoardRepository].create(openid, household, kind, "我孙子考上大学了", "", key=key,
                                                      now=utcnow())
        return post.id, created


def test_one_post_per_source_message(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    first = new_post(unit_of_work, home)
    assert new_post(unit_of_work, home) == (first[0], False)
    with unit_of_work() as store:
        assert len(store[BoardRepository].find()) == 1


def test_likes_count_once_per_resident_even_when_they_race(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    post, _ = new_post(unit_of_work, home)
    barrier = threading.Barrier(8)
    counted: list[bool] = []

    def like(openid: str) -> None:
        barrier.wait()
        with unit_of_work() as store:
            counted.append(store[BoardRepository].like(post, openid, utcnow()))

    threads = [threading.Thread(target=like, args=(f"o_{n % 4}",)) for n in range(8)]  # 4 residents, twice each
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counted.count(True) == 4
    with unit_of_work() as store:
        found = store[BoardRepository].get(post)
        assert found is not None and found.likes == 4


def test_published_posts_expire_after_their_days(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    post, _ = new_post(unit_of_work, home)
    with unit_of_work() as store:
        repo = store[BoardRepository]
        repo.publish(repo.get(post), utcnow() - timedelta(days=31), days=30)  # type: ignore[arg-type]
        assert repo.published(utcnow()) == []  # out of sight at once, before the job runs
        assert repo.expire(utcnow()) == 1
    with unit_of_work() as store:
        assert store[BoardRepository].get(post).status == "expired"  # type: ignore[union-attr]


def test_forgetting_an_author_takes_their_posts_down_and_keeps_the_likes(unit_of_work) -> None:
    [home] = add_households(unit_of_work, 1)
    post, _ = new_post(unit_of_work, home)
    with unit_of_work() as store:
        repo = store[BoardRepository]
        repo.publish(repo.get(post), utcnow(), days=30)  # type: ignore[arg-type]
        repo.like(post, "o_fan", utcnow())
        repo.forget("o_author", utcnow())
        repo.forget("o_fan", utcnow())
    with unit_of_work() as store:
        found = store[BoardRepository].get(post)
        assert found is not None
        assert (found.openid, found.status, found.contact, found.likes) == (None, "withdrawn", "", 1)
        assert not store[BoardRepository].liked(post, "o_fan")
