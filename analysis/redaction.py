"""Personal data in free-text comments (意见建议): find it and suggest masks.

Members write things like "工会主席张三不作为" or "有事打 13812345678". Before a comment is
released a person reviews it; :func:`suggest_masks` proposes the spans to hide and
:func:`apply_masks` replaces them with a placeholder naming the kind of data. The detector
is a suggestion, not a guarantee: the reviewer confirms or edits every mask.

What is found
-------------
* **Names** next to a title word (主席, 书记, 经理, 科长...): "主席张三", "张主席",
  "王科长", and the familiar "老张" / "小王", using the common surnames in
  :data:`SURNAMES`. A name with no title next to it ("张三说") is not found: it cannot be told
  from ordinary words without a dictionary, so the reviewer must read every comment.
* **Phone numbers**: mainland mobiles ``1[3-9]`` + 9 digits (with optional +86 and
  separators) and landlines with an area code (``0`` + 2-3 digits, then 7-8 digits).
* **Resident ID numbers**: 18 characters whose last one is the ISO 7064 MOD 11-2 check
  character (GB 11643-1999); 18 digits that fail the check are left alone.
* **E-mail addresses**.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Common Chinese surnames (the hundred most frequent single-character ones, and the usual
#: two-character ones), checked before the given name.
SURNAMES: frozenset[str] = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申"
    "欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴"
) | frozenset({"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
               "夏侯", "司徒", "长孙", "宇文"})

#: Titles that name a person's post; a name is looked for right before or after one.
TITLES: tuple[str, ...] = tuple(sorted({
    "主席", "副主席", "书记", "副书记", "经理", "总经理", "副经理", "科长", "副科长", "处长",
    "副处长", "主任", "副主任", "厂长", "副厂长", "部长", "局长", "组长", "班长", "队长",
    "院长", "校长", "董事长", "总监", "站长", "所长", "委员", "干事", "会计", "出纳", "老师",
    "师傅",
}, key=len, reverse=True))

#: Characters that end a given name early: "张三不作为" gives the name 张三, not 张三不.
_NOT_IN_NAME = set("不没很太的了是在和与也都就又还对把被给让说有为从向跟乱只却总光老常再才")

#: Ordinary words that begin with a surname character ("主席关心职工" names nobody).
_WORDS = frozenset({
    "安排", "安全", "关心", "关于", "关注", "关键", "方面", "方便", "方法", "管理", "成立", "成绩",
    "文化", "文件", "高度", "高兴", "于是", "向来", "常常", "严格", "齐全", "包括", "万元", "平时",
    "任务", "任何", "明显", "周末", "周围", "谢谢", "金额", "石油", "路上", "江湖", "宁可", "尚未",
    "单位", "季度", "毛病", "龙头", "史上", "雷厉", "易于", "康复", "温暖", "魏然", "韩国", "申请",
    "付出", "曾经", "童年", "秦朝", "黄金", "时间", "程序", "苏醒", "余额", "全面", "华丽", "杜绝",
})
#: Single surnames that are more often a preposition or verb right before a title ("向书记反映").
_AMBIGUOUS_BEFORE_TITLE = frozenset("向于和对跟把被给让从")
_FAMILIAR_WORDS = frozenset({"小于", "老于"})

_CJK = r"\u4e00-\u9fff"
_TITLE_RE = "|".join(re.escape(t) for t in TITLES)
_SURNAME_RE = "|".join(sorted(SURNAMES, key=len, reverse=True))

_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:\(0[0-9]{2,3}\)|0[0-9]{2,3})[- ]?[0-9]{7,8}(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Title then name: 主席张三, 书记李四.
_TITLE_NAME = re.compile(rf"(?:{_TITLE_RE})(?P<name>(?:{_SURNAME_RE})[{_CJK}]{{1,2}})")
# Name (or surname alone) then title: 张主席, 王科长, 张三主席.
_NAME_TITLE = re.compile(rf"(?P<name>(?:{_SURNAME_RE})[{_CJK}]?)(?:{_TITLE_RE})")
# 老张, 小王.
_FAMILIAR = re.compile(rf"(?P<name>[老小](?:{_SURNAME_RE}))")

#: The placeholder that replaces each kind of data.
PLACEHOLDERS = {"name": "[姓名]", "phone": "[电话]", "id_number": "[身份证号]",
                "email": "[邮箱]"}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Mask:
    """A span of a comment to hide: ``text[start:end]`` is data of ``kind``."""

    start: int
    end: int
    kind: str


def id_number_is_valid(number: str) -> bool:
    """Whether an 18-character resident ID number has the right check character
    (GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _trim_name(name: str) -> str:
    """Drop a last character that is more likely the next word than part of the name."""
    surname = name[:2] if name[:2] in SURNAMES else name[:1]
    given = name[len(surname):]
    if len(given) == 2 and given[1] in _NOT_IN_NAME:
        given = given[:1]
    if given and given[0] in _NOT_IN_NAME:
        given = ""
    name = surname + given
    if name[:2] in _WORDS:
        return ""
    return name


def suggest_masks(text: str) -> list[Mask]:
    """The spans of ``text`` that look like personal data, sorted and not overlapping.

    Raises ``ValueError`` if ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise ValueError("text must be a string")
    found: list[Mask] = []
    for m in _EMAIL.finditer(text):
        found.append(Mask(m.start(), m.end(), "email"))
    for m in _ID_NUMBER.finditer(text):
        if id_number_is_valid(m.group()):
            found.append(Mask(m.start(), m.end(), "id_number"))
    for pattern in (_MOBILE, _LANDLINE):
        for m in pattern.finditer(text):
            found.append(Mask(m.start(), m.end(), "phone"))
    for m in _TITLE_NAME.finditer(text):
        name = _trim_name(m.group("name"))
        if len(name) >= 2:
            found.append(Mask(m.start("name"), m.start("name") + len(name), "name"))
    for m in _NAME_TITLE.finditer(text):
        name = m.group("name")
        if len(name) == 2 and (name[1] in _NOT_IN_NAME or name in _WORDS):
            name = name[:1]
        if name in _AMBIGUOUS_BEFORE_TITLE:
            continue
        found.append(Mask(m.start("name"), m.start("name") + len(name), "name"))
    for m in _FAMILIAR.finditer(text):
        if m.group("name") in _FAMILIAR_WORDS:
            continue
        found.append(Mask(m.start("name"), m.end("name"), "name"))
    return _merge(found)


def _merge(masks: list[Mask]) -> list[Mask]:
    """Sorted, with overlapping spans joined (the earlier-found kind wins)."""
    out: list[Mask] = []
    for m in sorted(masks, key=lambda m: (m.start, -m.end)):
        if out and m.start < out[-1].end:
            last = out[-1]
            out[-1] = Mask(last.start, max(last.end, m.end), last.kind)
        else:
            out.append(m)
    return out


def apply_masks(text: str, masks: list[Mask] | None = None) -> str:
    """``text`` with each mask replaced by its placeholder (``[姓名]``, ``[电话]``...);
    the detector's suggestions when ``masks`` is None."""
    if masks is None:
        masks = suggest_masks(text)
    parts, pos = [], 0
    for m in _merge(list(masks)):
        parts.append(text[pos:m.start])
        parts.append(PLACEHOLDERS[m.kind])
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts)
