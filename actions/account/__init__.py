"""The account's front door and the residents' own data (个人信息).

- ``events``: a new follower's one short greeting (what the account does, how to bind), a
  returning follower welcomed back with their binding intact, a building QR code remembered
  (``qrscene_b3`` / SCAN ``b5-1``), and an unfollow that stops every push at once;
- ``data``: 我的信息 (what the account holds), 解除绑定 (after a numbered confirmation),
  删除我的信息 (after a confirmation that says what goes, what stays and why), the privacy
  notice, and the job that keeps the message log no longer than ``message_log_days``.

The words are the ``account`` section of responses.yml; the settings the ``account`` section
of config.yml; the data the core's rows, reached through ``store/account.py``.
"""
from __future__ import annotations

from pydantic import Field

from bot.dialogue import Flow, FlowSettings, MenuEntry


class AccountSettings(FlowSettings):
    #: The message log (what residents said and what the bot answered) is kept this long.
    message_log_days: int = Field(180, ge=1, le=3650)
    #: Messages that are exactly one of these always mean that request, whatever the NLU says.
    my_info_words: list[str] = Field(default_factory=lambda: [
        "我的信息", "我的资料", "我的个人信息", "个人信息", "个人资料", "查看我的信息", "查我的信息", "看看我的信息",
        "我的账户", "个人中心"])
    unbind_words: list[str] = Field(default_factory=lambda: [
        "解除绑定", "解绑", "取消绑定", "解除住户绑定", "我要解绑", "帮我解绑", "解绑住户", "撤销绑定"])
    delete_words: list[str] = Field(default_factory=lambda: [
        "删除我的信息", "删除我的资料", "删除我的数据", "删除个人信息", "删掉我的信息", "清除我的信息", "注销",
        "注销账号", "注销我的账户"])
    privacy_words: list[str] = Field(default_factory=lambda: [
        "隐私", "隐私说明", "隐私政策", "隐私保护", "个人信息保护", "个人信息说明"])
    #: Said to "确定删除吗？" these are a yes (besides the plain yes words: 确认, 是的, 好的).
    erase_yes: list[str] = Field(default_factory=lambda: [
        "确认删除", "确定删除", "删除", "删", "删吧", "删掉", "删了", "删掉吧", "删了吧", "是的删除", "对删除",
        "确认删除我的信息"])
    #: Said to "确定删除吗？" these are not a yes: deleting cannot be undone, and 嗯 is as often
    #: "I'm listening" as "yes" (the question is asked again; 确认 / 是的 / tapping 1 delete).
    erase_not_a_yes: list[str] = Field(default_factory=lambda: [
        "嗯", "嗯嗯", "嗯呢", "哦", "噢", "喔", "啊", "好吧", "行吧", "随便", "都行", "无所谓"])


flow: Flow[AccountSettings] = Flow("account", settings=AccountSettings, menu=[
    MenuEntry("my_info", order=86), MenuEntry("privacy_notice", order=95)])

from actions.account import data, events  # noqa: E402,F401  (they register on the flow)
