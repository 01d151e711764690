"""物业报修: report a repair (form), see where one stands, hurry it along, cancel one, send a
photo; staff move tickets along (``/api/repairs``) and the reporter hears of each step that
matters to them; a ticket nobody accepts in time is escalated.

The flow's words are the ``repair`` section of responses.yml; its settings the ``repair``
section of config.yml; its data ``store/repairs.py``.
"""
from __future__ import annotations

from pydantic import Field

from bot.dialogue import Flow, FlowSettings, MenuEntry


class RepairSettings(FlowSettings):
    #: Category codes offered as numbered choices (labels: responses.yml repair.categories).
    menu_categories: list[str] = Field(default_factory=lambda: [
        "water_leak", "drain_blocked", "electrical", "gas", "elevator", "lighting", "door_window", "other"])
    #: One word alone answering "what is broken?" (an elderly resident's 水 or 灯): its category.
    category_words: dict[str, str] = Field(default_factory=lambda: {
        "水": "water_leak", "电": "electrical", "灯": "lighting", "门": "door_window", "窗": "door_window",
        "锁": "door_window", "气": "gas", "梯": "elevator"})
    #: Words meaning the resident's own flat ("我家" → the bound household's address).
    home_words: list[str] = Field(default_factory=lambda: [
        "我家", "家里", "屋里", "屋里厢", "自己家", "我们家", "阿拉屋里", "我屋里"])
    #: Words that name a place (an answer to "where?" must have one, or a flat number).
    place_words: list[str] = Field(default_factory=lambda: [
        "楼", "栋", "幢", "单元", "室", "层", "电梯", "楼道", "楼梯", "走廊", "过道", "门口", "大门", "东门", "西门",
        "南门", "北门", "侧门", "门厅", "大堂", "大厅", "车库", "地库", "地下室", "停车场", "车棚", "花园", "绿化",
        "草坪", "广场", "小区", "会所", "门卫", "保安", "垃圾房", "垃圾站", "健身", "路灯", "天台", "屋顶", "楼顶",
        "消防通道", "信箱", "厨房", "卫生间", "洗手间", "厕所", "客厅", "卧室", "阳台", "楼下", "楼上", "隔壁", "对面",
        "旁边", "附近", "路", "弄", "幼儿园", "活动室", "活动中心", "篮球场", "操场", "水池", "凉亭", "入口", "出口",
        "围墙", "井盖", "屋里", "家里", "我家", "房间", "号"])
    #: Places shared by the building: a light out there is public lighting, even said from home (我家门口的灯).
    shared_places: list[str] = Field(default_factory=lambda: [
        "楼道", "走廊", "过道", "楼梯", "门口", "门厅", "大堂", "电梯", "路灯", "车库", "地库", "小区", "单元门",
        "外面"])
    #: Categories that are the building's, not the flat's: "where?" offers the resident's building too.
    public_categories: list[str] = Field(default_factory=lambda: ["elevator", "lighting"])
    #: Rooms of a flat: for a bound resident, 厨房 alone is their own kitchen (3-502 厨房).
    room_words: list[str] = Field(default_factory=lambda: [
        "厨房", "卫生间", "洗手间", "厕所", "浴室", "客厅", "卧室", "主卧", "次卧", "书房", "阳台", "房间"])
    #: Words that say something is wrong (a description has one; a place answer should not).
    fault_words: list[str] = Field(default_factory=lambda: [
        "坏", "漏", "堵", "不亮", "不通", "不动", "失灵", "没反应", "裂", "掉", "松", "响", "滴", "渗", "不出水",
        "没水", "没电", "停电", "跳闸", "断", "卡住", "卡了", "打不开", "关不上", "关不住", "锁不上", "不好用",
        "有问题", "故障", "破", "脱落", "发霉", "异味", "臭", "噪音", "吵", "冒", "烧", "爆", "碎", "歪", "倒",
        "锈", "积水", "返水", "溢", "不转", "不制冷", "不热", "闪", "黑了", "不灵", "不行", "修"])
    #: Said while the report is being filled in, these tell when someone is home for the visit
    #: (明天上午 / 下午三点以后在家 / 周末才有人): kept with the report for the repairer.
    visit_words: list[str] = Field(default_factory=lambda: [
        "今天", "明天", "后天", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "周天", "周末", "星期",
        "礼拜", "上午", "中午", "下午", "傍晚", "晚上", "早上", "白天", "在家", "有人在", "才有人", "都有人"])
    #: A resident may cancel their own report until staff assign it.
    cancellable_statuses: list[str] = Field(default_factory=lambda: ["pending"])
    #: Words that always mean "cancel my repair report", whatever the NLU reads ...
    cancel_words: list[str] = Field(default_factory=lambda: [
        "取消报修", "撤销报修", "撤回报修", "报修取消", "报修不要了", "取消维修", "不用来修了", "取消我的报修"])
    #: ... and so does a short message with one word of each list (我要取消刚才的报修).
    cancel_verbs: list[str] = Field(default_factory=lambda: ["取消", "撤销", "撤回", "不要了", "不用了", "不修了"])
    cancel_objects: list[str] = Field(default_factory=lambda: ["报修", "维修", "修理", "工单", "报的修"])
    #: Words that hurry a repair along (催一下, 能不能快点): the property staff are told, once a day.
    urge_words: list[str] = Field(default_factory=lambda: [
        "催", "快点", "快一点", "快些", "尽快", "抓紧", "赶紧", "赶快", "能不能快", "能否快"])
    #: A ticket still not accepted (待受理) this many hours after it was reported is escalated.
    accept_within_hours: float = Field(4, gt=0)


flow: Flow[RepairSettings] = Flow("repair", settings=RepairSettings, menu=[
    MenuEntry("repair_report", order=10), MenuEntry("repair_status", order=20)])

# The parts of the flow register on it when imported.
from actions.repair import cancel, demo, overdue, photo, report, staff, status  # noqa: E402,F401
