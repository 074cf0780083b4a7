"""Chinese names for the demo county: people, townships, villages.

Everything draws from the ``random.Random`` it is given, so a seed gives the same county.
"""

from __future__ import annotations

import random
import re
from itertools import accumulate

# Surnames with their approximate share (per mille) of the population, most common first.
_SURNAMES = (
    "王71 李70 张67 刘54 陈45 杨31 黄22 赵20 吴19 周19 徐15 孙14 马13 朱12 胡12 郭11 何11 "
    "林10 罗9 高9 郑8 梁8 谢8 宋7 唐7 许7 韩6 冯6 邓6 曹6 彭6 曾6 肖6 田5 董5 袁5 潘5 于5 "
    "蒋5 蔡5 余5 杜5 叶4 程4 苏4 魏4 吕4 丁4 任4 沈4 姚4 卢4 姜3 崔3 钟3 谭3 陆3 汪3 范3 "
    "金3 石3 廖3 贾3 夏3 韦3 付3 方3 白2 邹2 孟2 熊2 秦2 邱2 江2 尹2 薛2 闫2 段2 雷2 侯2 "
    "龙2 史2 陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 武2 戴2 覃1 莫1 孔1 向1 汤1 易1 "
    "常1 温1 康1 施1 文1 牛1 樊1 葛1 邢1 安1 齐1 伍1 庞1 颜1 倪1 欧阳1"
)
_SURNAME_PAIRS = [re.fullmatch(r"(\D+)(\d+)", item).groups() for item in _SURNAMES.split()]
SURNAMES: tuple[str, ...] = tuple(name for name, _ in _SURNAME_PAIRS)
_SURNAME_CUM = list(accumulate(int(share) for _, share in _SURNAME_PAIRS))

# Given-name characters by generation and gender: (first characters, second characters).
_GIVEN = {
    ("old", "M"): (
        "建国志永德明文学振海宏春立光家新华俊世庆",
        "国华军平强明林伟刚勇峰斌涛杰民忠生荣龙",
    ),
    ("old", "F"): ("秀桂丽玉红春晓海美凤淑素小丽爱雪金", "英兰华芳珍梅燕霞琴红莲娟萍云凤玲"),
    ("mid", "M"): ("晓建志海俊伟文小春永国明家立宏新", "东军波鹏磊涛斌刚辉勇飞亮超峰龙强"),
    ("mid", "F"): ("晓丽小海春红雪玉文艳秀美静慧亚", "燕娟丽芳敏红霞琴梅艳玲萍洁静丹"),
    ("young", "M"): ("俊宇浩子家志明文嘉鹏天晨思博一", "杰宇鹏浩然超阳帆翔凯磊龙轩豪林"),
    ("young", "F"): ("雨佳思梦诗婷晓雪欣丹文佩静紫怡", "婷倩雪琪琳颖瑶洁丹璐蕾然萱佳茜"),
    ("child", "M"): ("子浩宇梓俊皓一沐睿奕博铭嘉思天明宸", "轩宇豪然辰泽航睿博文阳熙诺安铭杰哲"),
    ("child", "F"): ("欣梓雨诗可一子语芷若思佳紫沐依心雅", "怡涵桐萱馨诺妍汐彤瑶琪悦然晴瑜宁"),
}
# Single-character given names are common among older people and rarer among children.
_SINGLE_SHARE = {"old": 0.30, "mid": 0.28, "young": 0.15, "child": 0.08}

TOWNSHIP_ROOTS = [
    "河口",
    "石门",
    "青龙",
    "白沙",
    "柳林",
    "新店",
    "双河",
    "三合",
    "龙泉",
    "马坪",
    "桃园",
    "金山",
    "高桥",
    "黄坪",
    "清溪",
    "太平",
    "永安",
    "长岭",
    "观音",
    "回龙",
    "大河",
    "宝塔",
    "红岩",
    "凤凰",
    "文昌",
    "茶坪",
    "楠木",
    "鹤鸣",
    "狮子",
    "铁佛",
]

VILLAGE_ROOTS = [
    "杨柳",
    "坪上",
    "黄桷",
    "石板",
    "大湾",
    "新华",
    "红星",
    "团结",
    "桂花",
    "枫树",
    "白果",
    "龙井",
    "松林",
    "青石",
    "梨园",
    "李家",
    "王家",
    "张家",
    "陈家",
    "何家",
    "土桥",
    "堰塘",
    "竹园",
    "柏树",
    "沙坝",
    "水井",
    "岩口",
    "垭口",
    "庙坝",
    "梧桐",
    "荷花",
    "杉木",
    "金竹",
    "银杏",
    "双龙",
    "长田",
    "五星",
    "光明",
    "和平",
    "胜利",
    "燕子",
    "麻柳",
    "花园",
    "鱼泉",
    "瓦窑",
    "石桥",
    "油坊",
    "枣林",
    "马鞍",
    "槐树",
]


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]


def generation(birth_year: int) -> str:
    if birth_year < 1976:
        return "old"
    if birth_year < 1988:
        return "mid"
    if birth_year < 2005:
        return "young"
    return "child"


def given_name(rng: random.Random, *, gender: str, birth_year: int) -> str:
    gen = generation(birth_year)
    firsts, seconds = _GIVEN[(gen, gender)]
    if rng.random() < _SINGLE_SHARE[gen]:
        return rng.choice(seconds)
    first, second = rng.choice(firsts), rng.choice(seconds)
    # "丽丽", "晨晨" happen; most names avoid a doubled character.
    while second == first and rng.random() < 0.8:
        second = rng.choice(seconds)
    return first + second


def person_name(rng: random.Random, *, gender: str, birth_year: int) -> str:
    return surname(rng) + given_name(rng, gender=gender, birth_year=birth_year)


def townships(rng: random.Random, *, towns: int, rural: int) -> tuple[list[str], list[str]]:
    """``towns`` names ending in 镇 and ``rural`` ending in 乡, all different."""
    roots = rng.sample(TOWNSHIP_ROOTS, towns + rural)
    return [r + "镇" for r in roots[:towns]], [r + "乡" for r in roots[towns:]]


def villages(rng: random.Random, count: int) -> list[str]:
    return [r + "村" for r in rng.sample(VILLAGE_ROOTS, count)]
