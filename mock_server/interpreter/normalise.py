"""Text as the camera grammar reads it: one width, one case, simplified Chinese, numbers as digits.

Pure. The quoted content of an instruction never passes through here (the caller keeps it verbatim); only
the words around it do.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Traditional → simplified, pairs of characters, for the words of the vocabulary and the instructions around
# them: reading camera words needs no full conversion table, and a character not listed is kept as it is.
_PAIRS = (
    "鏡镜頭头搖摇緩缓輕轻順顺時时針针轉转縮缩邊边畫画進进遠远攝摄機机動动靜静環环繞绕變变並并後后從从點点"
    "讓让為为與与開开體体將将這这個个們们車车雲云風风樂乐標标題题刪删長长視视頻频隨随擺摆昇升裡里裏里內内"
    "兩两側侧對对準准間间處处傾倾無无沒没僅仅別别隻只衹只減减勻匀穩稳線线圖图張张飛飞駛驶過过來来還还會会"
    "換换給给說说設设寬宽橫横豎竖隱隐顯显場场極极於于頂顶門门臉脸燈灯漸渐離离獨独剛刚魚鱼鳥鸟葉叶滾滚"
    "響响紅红綠绿藍蓝黃黄烏乌條条細细慣惯練练聽听覺觉見见觀观驚惊層层氣气濤涛暉晖滿满濃浓淚泪戰战歡欢"
    "銷销復复顏颜銀银調调聲声號号強强結结現现節节鐘钟麼么話话寫写舊旧樣样額额電电種种當当廣广閃闪爍烁"
    "級级幾几遲迟確确語语選选擇择項项頁页齊齐彈弹稱称際际據据檔档備备錄录屬属擊击歸归"
)
TRADITIONAL = {ord(t): s for t, s in zip(_PAIRS[::2], _PAIRS[1::2], strict=True)}

_EN_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
             "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "a": 1, "an": 1}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}
_EN_NUMBER = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_EN_TENS) + r")(?:[\s-](?P<ones>" + "|".join(list(_EN_UNITS)[1:10]) +
    r"))?|(?P<unit>" + "|".join(_EN_UNITS) + r")|(?P<hundred>a hundred|one hundred))"
    r"(?P<half> and a half)?(?=[\s-]*(?:%|percent|per cent|degrees?|deg\b|seconds?|secs?\b|times\b|x\b))")
# "Zoom in by a quarter": the fractions people say, as percentages.
_FRACTIONS = {"a quarter": 25, "quarter": 25, "a third": 33.3, "half": 50, "a half": 50, "a tenth": 10}
_FRACTION = re.compile(r"\bby (?:about |around |roughly |approximately |nearly |almost |some )?("
                       + "|".join(sorted(_FRACTIONS, key=len, reverse=True)) + r")\b")
# "approx. 8%": the abbreviation's dot does not end the sentence.
_ABBREVIATION = re.compile(r"\b(approx|ca|appr|est|abt)\.")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_CN_NUMBER = re.compile(r"(百分之)?([零一二两三四五六七八九十百]+(?:点[零一二三四五六七八九]+)?)"
                        r"(?=(度|秒|倍|%)?)")


@lru_cache(maxsize=4096)  # a message's words are normalised by several readings in turn
def normalise(text: str) -> str:
    """``text`` in one form: NFKC width, lower case, simplified characters, digits for number words."""
    text = unicodedata.normalize("NFKC", text).translate(TRADITIONAL).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    text = _ABBREVIATION.sub(r"\1", text)
    text = _EN_NUMBER.sub(_english_number, text)
    text = _FRACTION.sub(lambda m: f"by {_FRACTIONS[m[1]]}%", text)
    return _CN_NUMBER.sub(_chinese_number, text)


def _english_number(m: re.Match[str]) -> str:
    if m["hundred"]:
        value = 100.0
    elif m["tens"]:
        value = float(_EN_TENS[m["tens"]] + (_EN_UNITS[m["ones"]] if m["ones"] else 0))
    else:
        value = float(_EN_UNITS[m["unit"]])
    if m["half"]:
        value += 0.5
    return f"{value:g}"


def _chinese_number(m: re.Match[str]) -> str:
    percent, word, unit = m[1], m[2], m[3]
    if not percent and not unit:
        return m[0]  # a numeral that counts nothing we measure ("一个人") stays a word
    whole, _, frac = word.partition("点")
    value = _cn_integer(whole)
    if value is None:
        return m[0]
    text = str(value) + ("." + "".join(str(_CN_DIGITS[c]) for c in frac) if frac else "")
    return text + "%" if percent else text


def _cn_integer(word: str) -> int | None:
    if not word:
        return None
    if "百" in word:
        head, _, rest = word.partition("百")
        hundreds = _cn_integer(head) if head else 1
        tail = _cn_integer(rest.lstrip("零")) if rest.strip("零") else 0
        return None if hundreds is None or tail is None else hundreds * 100 + tail
    if "十" in word:
        head, _, rest = word.partition("十")
        tens = _CN_DIGITS.get(head, -1) if head else 1
        ones = _CN_DIGITS.get(rest, -1) if rest else 0
        return None if tens < 0 or ones < 0 else tens * 10 + ones
    if len(word) == 1:
        return _CN_DIGITS.get(word)
    digits = [_CN_DIGITS.get(c) for c in word]
    return None if None in digits else int("".join(str(d) for d in digits))
