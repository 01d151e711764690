"""爱心捐赠, 爱心公示, 爱心组织: pledges, the public thank-you list, charities elsewhere.

- :mod:`actions.donations.pledge` — ``donate``: what the resident wants to give, in their words
  (items or money, a photo if they send one), how they want to appear on the thank-you list,
  a confirmation; it waits for staff;
- :mod:`actions.donations.thanks` — ``donor_list`` (爱心公示): confirmed donations with the name
  each donor chose to show; ``charity_orgs`` (爱心组织): the charities the community points to;
- :mod:`actions.donations.api` — staff confirm a pledge with love-bank points (the donor is
  thanked, once) or decline it politely (``/api/donations``);
- :mod:`actions.donations.upkeep` — demo pledges, forgetting a donor, what is kept.

The flow's words are the ``donations`` section of responses.yml; its settings the
``donations`` section of config.yml; its data store/donations.py.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.dialogue import Flow, FlowSettings, MenuEntry


class Charity(BaseModel):
    """A charity residents may give to directly (爱心组织)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    url: str = ""
    about: str = ""
    phone: str = ""


class DonationSettings(FlowSettings):
    #: How many donations the thank-you list shows (the newest).
    list_size: int = Field(10, ge=1, le=30)
    #: A pledge says at least this much (characters, punctuation left out).
    min_chars: int = Field(2, ge=1, le=20)
    max_chars: int = Field(300, ge=20, le=1000)
    #: Where pledged things are handed in and volunteers sign up (empty: the property office and hours).
    office: str = ""
    hours: str = ""
    #: Words about volunteering (怎么当志愿者), answered with where to sign up instead of a pledge.
    volunteer_words: list[str] = Field(default_factory=lambda: ["志愿者", "志愿服务", "做志愿", "当志愿", "义工"])
    #: When and how the things come (明天上午送过去, 能上门来拿吗): kept with the pledge for staff.
    delivery_words: list[str] = Field(default_factory=lambda: [
        "送过去", "送过来", "送来", "送到", "拿过去", "拿过来", "带过去", "带过来", "上门取", "上门拿", "来拿", "来取",
        "过来拿", "过来取", "自己送"])
    #: Words that ask after one's own pledge (我捐的衣服收到了吗), answered with its state.
    status_words: list[str] = Field(default_factory=lambda: [
        "收到了吗", "收到没", "收到了没", "确认了吗", "确认了没", "怎么样了", "什么时候来拿", "什么时候来收", "来拿",
        "来收", "有人来", "进度", "登记了吗", "登记上了吗", "我的捐赠", "我捐的"])
    #: Words about one's own pledges: with a word of the list above that asks after them, they are
    #: answered with the pledges' state whatever the NLU reads (我捐的书收到了吗).
    mine_words: list[str] = Field(default_factory=lambda: [
        "我捐的", "我的捐赠", "我捐赠的", "我家捐的", "上次捐的", "之前捐的", "前几天捐的"])
    #: Charities the community points residents to.
    charity_orgs: list[Charity] = Field(default_factory=list)


flow: Flow[DonationSettings] = Flow("donations", settings=DonationSettings, menu=[
    MenuEntry("donate", order=62), MenuEntry("donor_list", order=63)])

from actions.donations import api, pledge, thanks, upkeep  # noqa: E402,F401  (they register on the flow)
