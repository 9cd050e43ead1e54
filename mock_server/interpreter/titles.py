"""A new title in free words: its content, quoted or not ("add a title Summer Sale at the top", "put
'Sale' in red for the first 2 seconds", "加个标题：夏季特卖"), and the place, time, colour and size given
with it. Pure.
"""

from __future__ import annotations

import re

from .. import drafts
from ..drafts import Draft
from . import lexicon
from .edit import Ask, Edit, seconds
from .normalise import TRADITIONAL, normalise
from .requests import HEX, Clause

DEFAULT_TEXT_MS = 3000
_SIZES = {"small": 48, "big": 96, "large": 96, "bigger": 96, "huge": 128, "giant": 128, "bold": 80,
          "大": 96, "小": 48}
_TITLE = r"(?:text overlay|lower third|text|title|caption|subtitle|headline|tagline|label|overlay|words?)"
_MARKERS = (
    re.compile(r"(?i)(?:saying|that says|which says|that reads|which reads|reading|with the words?|"
               r"with the text|to say|that read)\s*[:：]?\s*(?P<c>.+)"),
    re.compile(rf"(?i)^\s*{_TITLE}\s*[:：]\s*(?P<c>.+)"),
    re.compile(rf"(?i)(?:add|put|insert|include|place|write|show|display|type|overlay|slap|give it|need|want)"
               r"\s+(?:on\s+|in\s+|up\s+)?(?:a\s+|an\s+|the\s+|some\s+|another\s+|one\s+more\s+)?"
               rf"(?:(?:big|large|small|bold|new|short|second|simple|white|little)\s+)*{_TITLE}s?"
               r"\s*(?:[:：—-]\s*|of\s+|that\s+)?(?P<c>.+)"),
    re.compile(rf"(?i)(?:add|put|write|show|display|type|overlay)\s+(?P<c>.+?)\s+as\s+(?:a|an|the)\s+{_TITLE}"),
    re.compile(r"(?i)^\s*(?:please\s+)?(?:write|type|display|overlay)\s+(?P<c>.+)"),
    # "add Summer Sale at the top": words written as a title (a capital or a digit), not "a light leak"
    re.compile(r"(?i:add|put|show|place)\s+(?P<c>(?:(?:the|a|an)\s+)?[A-Z0-9$€£¥#].*)"),
    re.compile(r"(?:添加|加上|加个|加一个|加一条|加|插入|写上|写|显示|放上|配上)?(?:一个|一条|个|条)?"
               r"(?:标题|字幕|文字|文案|标语)\s*[:：为是叫写着]*\s*(?P<c>.+)"),
)
_COLOURS = "|".join(sorted((re.escape(p) for p in lexicon.phrases("colour") if p.isascii()), key=len,
                          reverse=True))
_END = re.compile(
    r"(?i)\s*[,;.!?]|(?:^|\s+)(?:at|on|in|to|near|across|along)\s+(?:the\s+)?(?:very\s+)?(?:top|bottom|center|"
    r"centre|middle|upper|lower)\b|(?:^|\s+)(?:from|at|for|until|till|starting|after|during|between|over|lasting|"
    r"in the)\s+(?:the\s+)?(?:first|last|next|whole|entire|full|end|start|beginning|opening|\d|one|two|three|"
    r"four|five|six|seven|eight|nine|ten)\b|\s+in\s+(?:#[0-9a-f]{6}|" + _COLOURS + r")\b|\s+colou?red\b|"
    r"\s+(?:in\s+)?(?:size|font size)\s+\d|\s+\d+\s*(?:px|pixels)\b|\s+(?:with|and)\s+(?:a\s+)?(?:box|fade|"
    r"background)\b|\s+as\s+(?:a|an|the)\s+(?:title|caption|text|headline)\b|\s+(?:in\s+)?(?:big|bold|large|"
    r"small|huge)\s+(?:letters|font|text|type)\b|\s+please\b|\s+(?:and|then)\s+|"
    r"[，。；！？]|(?:并且?|然后)|在(?:顶部|底部|中间|上方|下方|画面|开头|结尾|第)|放在|(?:显示|持续)?(?:前|后|最后)?"
    r"\d+(?:\.\d+)?\s*秒|(?:用|改成)?(?:红|白|黑|绿|蓝|黄|橙|紫|粉|金|银|灰)色")
_POSITION = re.compile(r"(?<![a-z])(top|bottom|center|centre|middle|upper|lower)(?![a-z])|"
                       r"(顶部|底部|中间|上方|下方|中央|上面|下面)")
_PLACE_OF = {"centre": "center", "middle": "center", "upper": "top", "lower": "bottom", "顶部": "top",
             "上方": "top", "上面": "top", "底部": "bottom", "下方": "bottom", "下面": "bottom",
             "中间": "center", "中央": "center"}
_S = r"(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?|秒钟?)(?![a-z])"


def content_of(clause: Clause) -> str | None:
    """The words of a new title: the quoted text, else the words after "title"/"saying"/标题 up to its
    first setting ("at the top", "in red", "for 2 seconds")."""
    if clause.quotes:
        return clause.quotes[0]
    typed = clause.original
    reading = typed.translate(TRADITIONAL)
    for marker in _MARKERS:
        if m := marker.search(reading):
            rest = typed[m.start("c"):]
            end = _END.search(reading[m.start("c"):])
            words = rest[:end.start()] if end else rest
            words = words.strip(" \t:：-—\"'“”「」")
            if words and not re.fullmatch(r"(?i)(?:it|that|this|one|some|them|here|there|please)", words):
                return words
    return None


def add(clause: Clause, draft: Draft) -> Edit:
    """The draft with the clause's new title on it."""
    content = content_of(clause)
    if not content:
        raise Ask("What should the title say? Put its words in quotes, for example: add the title \"Sale\".")
    rest = clause.original.replace(content, " ", 1) if not clause.quotes else clause.original
    low = normalise(re.sub(r'"[^"]*"|“[^”]*”|「[^」]*」', " ", rest))
    clip = drafts.duration(draft)
    start, length = _span(low, clip)
    if start >= clip:
        raise Ask(f"The clip is {seconds(clip)} long: a title cannot start at {seconds(start)}.")
    m = _POSITION.search(low)
    position = _PLACE_OF.get((m[1] or m[2]) if m else "bottom", (m[1] or m[2]) if m else "bottom")
    hex_colour = HEX.search(low)
    colours = lexicon.find("colour", low)
    colour = hex_colour[0].upper() if hex_colour else (colours[0].meaning if colours else None)
    size = _size(low)
    out = drafts.add_text(draft, content, start, length, position, size, colour)
    segment = drafts.track(out, drafts.TEXT)
    assert segment is not None
    new = segment["sg"][-1]
    extras = [f"at the {position}", f"from {seconds(start)} for {seconds(new['d'])}"]
    if colour:
        extras.append(f"in {colours[0].phrase if colours and not hex_colour else colour}")
    if size:
        extras.append(f"{size} px")
    return Edit(out, f'Added the title "{content}" ' + ", ".join(extras) + ".", (f"text:{new['id']}",))


def _span(low: str, clip: int) -> tuple[int, int]:
    """(start, length) in ms of a new title from its words: "for the first 2 seconds", "from 1s to 3s",
    "at 2s", "for 4 seconds", "until 3s", "the whole video"; 3 s from the start by default."""
    ms = [round(float(v) * 1000) for v in re.findall(_S, low)]
    if re.search(r"whole (?:video|clip|time|thing)|entire (?:video|clip)|throughout|all the way|"
                 r"全程|整个视频|一直", low):
        return 0, clip
    if ms and re.search(r"(?:first|opening|前)\s*\d", low):
        return 0, ms[0]
    if ms and re.search(r"(?:last|final|最后|后)\s*\d", low):
        return max(0, clip - ms[0]), ms[0]
    start = 0
    if len(ms) >= 2 and re.search(r"(?:from|between|从)\s*\d", low):
        return ms[0], max(ms[1] - ms[0], 0)
    if ms and (re.search(rf"(?:at|from|after|starting(?: at)?|begin(?:ning)? at|在|第|从)\s*{_S}", low)
               or re.search(rf"{_S}\s*(?:开始|出现|后)", low)):
        start = ms.pop(0)
    if re.search(r"until the end|till the end|to the end|到结尾|到最后", low):
        return start, clip - start
    if ms and re.search(rf"(?:until|till|to|到)\s*{_S}", low):
        return start, max(ms[0] - start, 0)
    if ms:
        return start, ms[0]
    return start, max(min(DEFAULT_TEXT_MS, clip - start), 0)


def _size(low: str) -> int | None:
    if m := re.search(r"(?:size|字号)\s*(\d+)|(\d+)\s*(?:px|pixels|pt)", low):
        return min(max(int(m[1] or m[2]), 8), 400)
    for word, px in _SIZES.items():
        if re.search(rf"(?<![a-z]){word}(?![a-z])" if word.isascii() else f"{word}号|{word}字", low):
            return px
    return None
