"""community_info: the office, its hours and phones from config.yml, and what to do about a lost access card."""
from __future__ import annotations

from bot.runtime import Runtime
from tests.talk import Resident


def test_a_lost_access_card_is_sent_to_the_property_office_not_to_a_repair(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_lost_card")
    reply = resident.say("门禁卡丢了怎么办")
    community = runtime.settings.config.community
    assert "门禁卡" in reply and community.property_office in reply and community.property_phone in reply
    assert "在哪里" not in reply and resident.options == []  # no repair form opened


def test_a_broken_card_reader_is_still_a_repair(runtime: Runtime) -> None:
    resident = Resident(runtime, "o_card_reader")
    assert "在哪里" in resident.say("门禁坏了，刷卡没反应")  # the repair form asks where
