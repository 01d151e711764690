"""账单查询: what a household owes.

The flow's words are the ``bills`` section of responses.yml; its settings the ``bills``
section of config.yml; its data ``store/bills.py``.
"""
from __future__ import annotations

from pydantic import Field

from bot.dialogue import Flow, FlowSettings, MenuEntry


class BillSettings(FlowSettings):
    #: Asked about one kind of fee without a month: this many recent months are shown.
    recent_months: int = Field(3, ge=1, le=12)
    #: A list longer than this is cut (the totals still count every bill).
    max_lines: int = Field(8, ge=3, le=20)
    #: Fees residents ask about that this community does not bill (answered honestly).
    unbilled_fees: list[str] = Field(default_factory=lambda: [
        "有线电视费", "电视费", "宽带费", "网费", "上网费", "暖气费", "取暖费", "供暖费", "采暖费",
        "垃圾处理费", "垃圾费", "卫生费", "保洁费", "电话费", "话费", "手机费", "电梯费", "维修基金",
        "公摊费", "装修押金", "装修保证金", "物管押金"])


flow: Flow[BillSettings] = Flow("bills", settings=BillSettings, menu=[
    MenuEntry("bill_query", order=30)])

from actions.bills import api, demo, query  # noqa: E402,F401  (they register on the flow)
