"""账单查询 / 账单推送 / 账单缴费: what a household owes, telling residents of new bills and
due dates, and paying.

The flow's words are the ``bills`` section of responses.yml; its settings the ``bills``
section of config.yml; its data ``store/bills.py`` (payments: ``store/payments.py``).
"""
from __future__ import annotations

from pydantic import Field

from bot.dialogue import Flow, FlowSettings, MenuEntry


class BillSettings(FlowSettings):
    #: A reminder goes this many days before a bill is due (once per bill).
    reminder_days: int = Field(3, ge=1, le=30)
    #: Without WeChat Pay: where, when and how residents pay (empty: the property office and its hours).
    pay_office: str = ""
    pay_hours: str = ""
    pay_methods: str = "现金、银行卡、微信或支付宝扫码"
    #: Without WeChat Pay: a page where bills can be paid online (the bank's, the property company's).
    pay_link: str = ""
    #: How long a link to this app's payment page works.
    pay_link_hours: int = Field(24, ge=1, le=24 * 7)
    #: Asked about one kind of fee without a month: this many recent months are shown.
    recent_months: int = Field(3, ge=1, le=12)
    #: A list longer than this is cut (the totals still count every bill).
    max_lines: int = Field(8, ge=3, le=20)
    #: Words that doubt a bill (账单不对, 水费怎么这么贵): the bills are shown with a person to check them.
    doubt_words: list[str] = Field(default_factory=lambda: [
        "不对", "错了", "算错", "有问题", "有误", "太贵", "这么贵", "这么多", "这么高", "多收", "乱收", "重复收",
        "收多了", "为什么", "凭什么", "看不懂"])
    #: A follow-up (交了吗) within ``follow_up_minutes`` of a question about some fees is about those fees.
    follow_up_words: list[str] = Field(default_factory=lambda: [
        "交了吗", "交了没", "交了没有", "交过了吗", "交过没", "付了吗", "付了没", "付了没有", "缴了吗", "缴了没",
        "缴过了吗", "欠不欠", "还欠吗", "欠多少", "还欠多少", "那交了吗", "那交了没", "都交了吗", "到期没",
        "啥时候到期", "什么时候到期"])
    follow_up_minutes: int = Field(10, ge=1, le=120)
    #: Fees residents ask about that this community does not bill (answered honestly).
    unbilled_fees: list[str] = Field(default_factory=lambda: [
        "有线电视费", "电视费", "宽带费", "网费", "上网费", "暖气费", "取暖费", "供暖费", "采暖费",
        "垃圾处理费", "垃圾费", "卫生费", "保洁费", "电话费", "话费", "手机费", "电梯费", "维修基金",
        "公摊费", "装修押金", "装修保证金", "物管押金"])


flow: Flow[BillSettings] = Flow("bills", settings=BillSettings, menu=[
    MenuEntry("bill_query", order=30)])

from actions.bills import api, demo, notices, pay, query  # noqa: E402,F401  (they register on the flow)
