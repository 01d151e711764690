"""便民服务 — the neighbourhood merchants directory: residents ask in their own words
(附近有修锁的吗, 哪里能修鞋, 送水电话) and get the best few entries with phone, address and
hours; staff keep the directory through ``POST/GET/PATCH /api/merchants``.

Matching reads the message and each entry (name, category, tags) through the project's
normalisation (:func:`nlu.normalize_text`, via :func:`bot.dialogue.text.plain`), and a table of
words that mean the same service (``merchants.synonyms``: 修锁 and 配钥匙 are 开锁). A message
that names no service (便民服务, 附近商家) gets the categories as numbered choices.

Phones are businesses' and are shown in full (SPEC §7). A phone number written plainly in a
text message is made tappable by WeChat itself (呼叫 / 复制); a ``tel:`` link is not among the
links an official account's text message supports, so numbers are written as digits, with
only a landline's area code set apart.

Words: the ``merchants`` section of responses.yml; data: ``store/merchants.py``.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BeforeValidator, Field

from bot.api.deps import NowDep, StoreDep, not_found
from bot.api.errors import conflict
from bot.api.schemas import ApiModel, Created, ErrorBody, Text, Timestamp
from bot.dialogue import Context, Flow, FlowSettings, MenuEntry, Option, Reply, Stage, Turn
from bot.dialogue.engine import DIGRESSION_CONFIDENCE
from bot.dialogue.text import is_noise, plain
from store import Store
from store.clock import utcnow
from store.merchants import Merchant, MerchantRepository, NewMerchant


def _default_synonyms() -> dict[str, list[str]]:
    return {
        "开锁": ["修锁", "换锁", "锁芯", "配钥匙", "钥匙", "开琐", "门锁", "锁坏", "锁匠", "指纹锁"],
        "修鞋": ["补鞋", "鞋子", "鞋跟", "鞋底", "皮鞋", "修拉链"],
        "送水": ["桶装水", "矿泉水", "纯净水", "饮用水", "水站", "订水"],
        "家电维修": ["修家电", "家电", "空调", "加氟", "洗衣机", "冰箱", "电视机", "热水器", "油烟机", "燃气灶",
                 "微波炉", "电器"],
        "保洁": ["开荒", "家政", "打扫", "钟点工", "保洁阿姨", "擦玻璃", "擦窗", "大扫除", "清洗"],
        "快递": ["驿站", "菜鸟", "寄件", "取件", "包裹", "寄东西"],
        "药店": ["药房", "买药", "配药", "药品"],
        "理发": ["剪头", "剪发", "美发", "理发店", "洗头"],
        "搬家": ["搬运", "搬东西"],
        "回收": ["废品", "旧家具", "旧家电", "纸板", "旧衣服"],
        "裁缝": ["改衣服", "改裤脚", "改裤子", "缝补", "缝衣服", "裁缝店"],
        "干洗": ["洗衣店", "干洗店", "洗衣服"],
        "修车": ["自行车", "电动车", "补胎", "打气"],
        "助餐": ["社区食堂", "老年助餐", "助餐点", "送餐", "食堂"],
        "管道疏通": ["疏通", "下水道", "通下水"],
        "配眼镜": ["眼镜"],
    }


class MerchantSettings(FlowSettings):
    #: How many entries a question is answered with (the best matches).
    max_results: int = Field(3, ge=1, le=5)
    #: How many entries of a category are listed when one is chosen from the list.
    max_listed: int = Field(5, ge=1, le=8)
    #: How many categories are offered when the resident names no service.
    browse_categories: int = Field(8, ge=1, le=9)
    #: Words residents use → the service they mean (matched against name, category and tags).
    synonyms: dict[str, list[str]] = Field(default_factory=_default_synonyms)
    #: More words for the table above, kept by the operator in config.yml.
    extra_synonyms: dict[str, list[str]] = Field(default_factory=dict)

    def table(self) -> dict[str, tuple[str, ...]]:
        """Each service with all the words for it, reduced as messages are (worked out once per
        settings: every message that falls through to the directory asks for it)."""
        return self._table

    @cached_property
    def _table(self) -> dict[str, tuple[str, ...]]:
        merged: dict[str, list[str]] = {name: list(words) for name, words in self.synonyms.items()}
        for name, words in self.extra_synonyms.items():
            merged.setdefault(name, []).extend(words)
        return {plain(name): tuple(dict.fromkeys(plain(w) for w in (name, *words) if plain(w))) for name, words in
                merged.items()}


flow: Flow[MerchantSettings] = Flow("merchants", settings=MerchantSettings, menu=[MenuEntry("merchant", order=65)])

#: Words that ask for something without naming a service (附近有没有…的电话多少).
_FILLER = sorted((
    "附近", "周边", "周围", "小区", "旁边", "这边", "附近的", "哪里", "哪儿", "哪家", "在哪", "在哪里", "能不能",
    "可以", "有没有", "有吗", "有的", "吗", "呢", "啊", "呀", "吧", "的", "了", "电话", "号码", "联系方式", "多少",
    "找", "一个", "个", "请问", "推荐", "师傅", "上门", "我要", "我想", "想", "要", "给", "帮我", "问下", "问一下",
    "一下", "便民",
    "服务", "商家", "商户", "阿拉", "侬", "晓得", "伐", "么", "能", "有", "谁", "哪个", "是", "我", "你",
    "们", "知道", "信息", "地址", "营业", "时间", "几点", "开门", "关门", "在", "去", "做", "的店", "什么", "好",
    "好的", "便宜", "靠谱", "那个", "嗯", "喂", "和", "跟", "或者", "还", "还有",
), key=len, reverse=True)
#: Word pairs too common among services to say which one is meant.
_COMMON_PAIRS = frozenset({"维修", "服务", "上门", "电话", "师傅", "修理"})


@dataclass(frozen=True, slots=True)
class Found:
    merchant: Merchant
    score: int


def residue(text: str) -> str:
    """What is left of a message once the words that name no service are gone."""
    rest = plain(text)
    for word in _FILLER:
        rest = rest.replace(word, "")
    return rest


def services_in(text: str, table: dict[str, tuple[str, ...]]) -> set[str]:
    reduced = plain(text)
    return {service for service, words in table.items() if any(word in reduced for word in words)}


def rank(text: str, merchants: Iterable[Merchant], table: dict[str, tuple[str, ...]]) -> list[Found]:
    """The entries that answer ``text``, best first: the service a category is (by the table)
    counts most, then a service its tags offer, a category or tag the message says, the name
    itself, shared word pairs. Entries far behind the best are left out."""
    reduced = plain(text)
    wanted = services_in(text, table)
    rest = residue(text)
    pairs = {rest[i:i + 2] for i in range(len(rest) - 1)} - _COMMON_PAIRS
    found = []
    for merchant in merchants:
        category, name, tags, is_service, offers, described = _profile(merchant, table)
        score = 3 * len(wanted & is_service) + 2 * len(wanted & offers)
        score += sum(2 for term in (category, *tags) if len(term) >= 2 and term in reduced)
        score += 4 if len(name) >= 2 and name in reduced else 0
        score += sum(1 for pair in pairs if pair in described)
        if score >= 2:
            found.append(Found(merchant, score))
    if not found:
        return []
    best = max(f.score for f in found)
    return sorted((f for f in found if f.score >= best * 0.6), key=lambda f: (-f.score, f.merchant.id))


Profile = tuple[str, str, tuple[str, ...], set[str], set[str], str]
# Keyed by the table's id, and holding the table itself so that no other table can take that id.
_PROFILES: dict[tuple[int, object, int], tuple[dict[str, tuple[str, ...]], Profile]] = {}


def _profile(merchant: Merchant, table: dict[str, tuple[str, ...]]) -> Profile:
    """What ranking reads of an entry — its words reduced, the services it is and offers —
    kept until the entry changes (every change sets ``updated_at``) or the table does."""
    key = (merchant.id, merchant.updated_at, id(table))
    kept = _PROFILES.get(key)
    if kept is None:
        tags = tuple(plain(str(tag)) for tag in merchant.tags or [])
        category, name = plain(merchant.category), plain(merchant.name)
        is_service = services_in(category + name, table)
        offers = services_in("|".join(tags), table) - is_service
        if len(_PROFILES) > 4096:
            _PROFILES.clear()
        kept = _PROFILES[key] = (table, (category, name, tags, is_service, offers, "|".join([name, category, *tags])))
    return kept[1]


@flow.action("merchant")
def merchant(turn: Turn, ctx: Context) -> Reply:
    """The merchants that answer the question; the categories when it names no service."""
    settings = flow.config(ctx)
    entries = ctx.store[MerchantRepository].list(active_only=True)
    choice = ctx.dialog.slots.get("_choice") or {}
    if choice.get("category"):
        listed = [m for m in entries if m.category == choice["category"]]
        if listed:
            return _listing(listed[: settings.max_listed], ctx)
        return _nothing(str(choice["category"]), entries, ctx, settings)
    if choice.get("browse") or not entries:
        return _browse(entries, ctx, settings)
    table = settings.table()
    found = rank(turn.text, entries, table)
    if found:
        return _listing([f.merchant for f in found[: settings.max_results]], ctx)
    wanted = residue(turn.text)
    named = services_in(turn.text, table)
    if len(wanted) < 2 and not named:
        return _browse(entries, ctx, settings)
    # Only a guess that this is about a shop (垃圾几点收): no shop is named as missing.
    guessed = not named and not turn.tapped and turn.confidence < DIGRESSION_CONFIDENCE
    return _nothing(wanted, entries, ctx, settings, guessed=guessed)


@flow.trigger(Stage.FALLBACK)
def named_service(turn: Turn, ctx: Context) -> Reply | None:
    """A message the NLU could not place that plainly names a service in the directory
    (药店, 修伞的) is answered with it rather than with "not understood"."""
    if len(turn.plain) > 16 or is_noise(turn):
        return None
    settings = flow.config(ctx)
    table = settings.table()
    entries = ctx.store[MerchantRepository].list(active_only=True)
    found = [f for f in rank(turn.text, entries, table) if f.score >= 3]
    if not found:
        return None
    return _listing([f.merchant for f in found[: settings.max_results]], ctx)


def _listing(entries: Sequence[Merchant], ctx: Context) -> Reply:
    lines = [ctx.say("merchants.found", count=len(entries))]
    for entry in entries:
        lines.append(ctx.say("merchants.entry_name", name=entry.name, category=entry.category))
        lines.append(ctx.say("merchants.entry_phone", phone=shown_phone(entry.phone)))
        if entry.address:
            lines.append(ctx.say("merchants.entry_address", address=entry.address))
        if entry.hours:
            lines.append(ctx.say("merchants.entry_hours", hours=entry.hours))
    lines.append(ctx.say("merchants.tap_to_call"))
    return Reply(content="\n".join(lines), footer=True, keys=("merchants.found",))


def _browse(entries: Sequence[Merchant], ctx: Context, settings: MerchantSettings) -> Reply:
    """The categories of the directory as numbered choices (the largest first)."""
    if not entries:
        return Reply.text(ctx.say("merchants.empty"), [Option.intent(ctx.label_of("human_handoff"), "human_handoff")])
    counts = Counter(entry.category for entry in entries)
    categories = sorted(counts, key=lambda c: (-counts[c], min(e.id for e in entries if e.category == c)))
    if ctx.dialog.form:  # asked in the middle of something else: the form's question keeps the digits
        return ctx.reply("merchants.browse_words", categories="、".join(categories))
    options = [Option.intent(category, "merchant", slots={"category": category})
               for category in categories[: settings.browse_categories]]
    return Reply.text(ctx.say("merchants.browse"), options)


def _nothing(wanted: str, entries: Sequence[Merchant], ctx: Context, settings: MerchantSettings, *,
             guessed: bool = False) -> Reply:
    """Nothing in the directory for it: say so, and offer the directory, a person, the menu."""
    options = [Option.intent(ctx.say("merchants.see_all"), "merchant", slots={"browse": True}),
               Option.intent(ctx.label_of("human_handoff"), "human_handoff"),
               Option.intent(ctx.label_of("help"), "help")]
    if not entries:
        options = options[1:]
    if guessed:
        return Reply.text(ctx.say("merchants.unsure"), options)
    return Reply.text(ctx.say("merchants.none", what=wanted or ctx.say("merchants.this_service")), options)


# --- phones -----------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")
_NATIONAL = re.compile(r"[48]00\d{7}")
_HOTLINE = re.compile(r"(?:95|96|12)\d{3,4}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")


def business_phone(value: object) -> str:
    """A business's number as staff write it: a mobile, a landline (with or without its area
    code), a 400/800 number or a short hotline such as 96777; kept as bare digits."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError("a phone number is written as text, such as 021-62345678")
    digits = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", str(value)).strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    if not digits:
        raise ValueError("a phone number is required")
    if not digits.isdigit():
        raise ValueError("a phone number has only digits (and dashes or spaces)")
    for pattern in (_MOBILE, _LANDLINE, _NATIONAL, _HOTLINE, _LOCAL):
        if pattern.fullmatch(digits):
            return digits
    raise ValueError("must be a mobile (13912345678), a landline (021-62345678), a 400/800 number or a "
                     "hotline such as 96777")


def shown_phone(phone: str) -> str:
    """How a resident reads (and WeChat recognises) the number: 021-62345678, 13912345678."""
    if _LANDLINE.fullmatch(phone):
        area = 3 if phone[1] in "12" else 4
        return f"{phone[:area]}-{phone[area:]}"
    return phone


# --- the staff API ----------------------------------------------------------------------

def _tags(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))


Tag = Annotated[Text, Field(max_length=16)]
BusinessPhone = Annotated[str, BeforeValidator(business_phone)]


class MerchantIn(ApiModel):
    name: Annotated[Text, Field(max_length=64)]
    category: Annotated[Text, Field(max_length=32)]
    phone: BusinessPhone
    address: str | None = Field(None, max_length=200)
    hours: str | None = Field(None, max_length=64)
    tags: Annotated[list[Tag], AfterValidator(_tags)] | None = Field(None, max_length=20)


class MerchantChange(ApiModel):
    name: Annotated[Text, Field(max_length=64)] | None = None
    category: Annotated[Text, Field(max_length=32)] | None = None
    phone: BusinessPhone | None = None
    address: str | None = Field(None, max_length=200)
    hours: str | None = Field(None, max_length=64)
    tags: Annotated[list[Tag], AfterValidator(_tags)] | None = Field(None, max_length=20)
    active: bool | None = None


class MerchantOut(ApiModel):
    id: int
    name: str
    category: str
    phone: str
    address: str | None
    hours: str | None
    tags: list[str]
    active: bool
    created_at: Timestamp


def _out(entry: Merchant) -> MerchantOut:
    return MerchantOut(id=entry.id, name=entry.name, category=entry.category, phone=entry.phone,
                       address=entry.address or None, hours=entry.hours or None,
                       tags=[str(tag) for tag in entry.tags or []], active=entry.active, created_at=entry.created_at)


@flow.api.post("/merchants", status_code=201, tags=["merchants"],
               responses={409: {"model": ErrorBody, "description": "the name and phone are listed with other details"}})
def create_merchant(body: MerchantIn, store: StoreDep, now: NowDep) -> Created:
    """Add a merchant to the directory. The same name and phone again (a retried request)
    answers with the entry already there; with other details it is refused — change an entry
    with PATCH."""
    new = NewMerchant(body.name, body.category, body.phone, (body.address or "").strip(), (body.hours or "").strip(),
                      tuple(body.tags or ()))
    entry, created = store[MerchantRepository].add(new, now)
    if not created and not new.same_as(entry):
        conflict("name", f"{entry.name} ({entry.phone}) is already in the directory as merchant {entry.id}; "
                         f"change it with PATCH /api/merchants/{entry.id}")
    return Created(id=entry.id)


@flow.api.get("/merchants", tags=["merchants"])
def list_merchants(store: StoreDep) -> list[MerchantOut]:
    """Every entry of the directory, switched off ones included (``active``: false)."""
    return [_out(entry) for entry in store[MerchantRepository].list()]


@flow.api.get("/merchants/{merchant_id}", tags=["merchants"], responses={404: {"model": ErrorBody}})
def get_merchant(merchant_id: Annotated[int, Path()], store: StoreDep) -> MerchantOut:
    entry = store[MerchantRepository].get(merchant_id)
    if entry is None:
        not_found("merchant", merchant_id)
    return _out(entry)


@flow.api.patch("/merchants/{merchant_id}", tags=["merchants"],
                responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def change_merchant(merchant_id: Annotated[int, Path()], body: MerchantChange, store: StoreDep,
                    now: NowDep) -> MerchantOut:
    """Correct an entry, or switch it off (``{"active": false}``) so residents no longer see it."""
    repository = store[MerchantRepository]
    entry = repository.get(merchant_id)
    if entry is None:
        not_found("merchant", merchant_id)
    values = body.model_dump(exclude_unset=True)
    for field in ("name", "category", "phone", "active"):
        if field in values and values[field] is None:
            del values[field]  # null means "leave it", for the fields an entry cannot be without
    for field in ("address", "hours"):
        if field in values:
            values[field] = (values[field] or "").strip()
    if "tags" in values:
        values["tags"] = list(values["tags"] or [])
    name, phone = values.get("name", entry.name), values.get("phone", entry.phone)
    twin = repository.named(name, phone)
    if twin is not None and twin.id != entry.id:
        conflict("name", f"{name} ({phone}) is already in the directory as merchant {twin.id}")
    return _out(repository.change(entry, now, **values))


# --- demo ---------------------------------------------------------------------------------

_DEMO = (
    ("老周开锁换锁", "开锁", "13800002001", "长寿路 388 号底楼", "24 小时", ("修锁", "换锁芯", "配钥匙", "开锁")),
    ("李师傅修鞋配钥匙", "修鞋", "13800002002", "小区东门外报亭旁", "8:00–18:00",
     ("修鞋", "换鞋跟", "修拉链", "配钥匙")),
    ("清泉桶装水", "送水", "02162018801", "武宁路 120 弄 3 号", "7:30–20:00", ("桶装水", "送水上门", "矿泉水")),
    ("惠民家电维修", "家电维修", "13800002004", "曹杨路 560 号", "9:00–19:00",
     ("空调", "洗衣机", "冰箱", "热水器", "油烟机清洗", "上门维修")),
    ("洁家开荒保洁", "保洁", "13800002005", "电话预约，上门服务", "8:00–20:00",
     ("开荒保洁", "钟点工", "擦玻璃", "家政")),
    ("兔兔快递驿站", "快递驿站", "13800002006", "小区 5 号楼旁车棚", "8:00–21:00", ("菜鸟驿站", "取件", "寄件")),
    ("仁心大药房", "药店", "02162018802", "长寿路 402 号", "24 小时", ("买药", "医保刷卡", "量血压")),
    ("阳光理发", "理发", "13800002008", "会所一楼", "9:00–18:00，周一休息", ("剪发", "老人理发", "上门理发")),
    ("顺达搬家", "搬家", "13800002009", "电话预约", "7:00–19:00", ("搬家", "搬运", "拆装家具")),
    ("邻家裁缝铺", "裁缝", "13800002010", "小区西门菜场二楼", "9:00–17:00", ("改衣服", "改裤脚", "换拉链")),
    ("绿色回收站", "回收", "13800002011", "小区北门垃圾房旁", "8:00–16:00", ("废品回收", "旧家电", "旧家具", "纸板")),
    ("快修自行车电动车", "修车", "13800002012", "武宁路 88 号", "8:00–19:00", ("自行车", "电动车", "补胎")),
    ("长寿社区助餐点", "助餐", "02162018803", "社区服务中心一楼", "11:00–13:00，17:00–18:30",
     ("老年助餐", "社区食堂", "送餐上门")),
)


@flow.demo
def demo(store: Store, today: date) -> int:
    """A dozen made-up merchants of the kinds residents ask for."""
    repository = store[MerchantRepository]
    now = utcnow()
    added = 0
    for name, category, phone, address, hours, tags in _DEMO:
        _, created = repository.add(NewMerchant(name, category, phone, address, hours, tags), now)
        added += created
    return added
