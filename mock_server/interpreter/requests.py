"""An editing message → its clauses → what each asks of which thing (syntax only; ``perform`` acts).

A message is cut into clauses at sentence ends, commas and "and"/"then"/然后 (quoted text never cut), so
"make the music quieter and move the title up" is two requests. Each request has a ``Mention`` (what it
speaks of, references.py) and an ``op``:

- ``remove`` / ``keep`` / ``keep-only``: a removal verb with its things; "keep the music" protects them
  (does nothing); "only keep the zoom" removes the others.
- ``relative``: a relative word (edit_words' ``change``, or ``too``/``more``/``less`` + an adjective):
  ``options`` the parameters it may mean, e.g. ("volume -", "speed -") for "softer", the thing decides.
- ``fade``, ``colour``, ``mood``, ``content``, ``place``, ``volume``, ``size``, ``time``, ``amount``,
  ``speed``, ``box``: a value for a thing of the draft ("make it red", "put it at 40%"); ``what``: a
  title named to change with no value ("change the title"), answered with a question.
- ``add-text``, ``add-music``: a new title (titles.py reads its words) or music.

A clause that names a thing but asks nothing ("make the title and the music quieter") takes the next
clause's request; one after a removal, colour, mood or fade ("remove the music and the title") takes
that one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..drafts import Draft
from . import lexicon
from .camera import read_camera
from .normalise import TRADITIONAL, normalise
from .references import AXES, Mention, read_mention

_NUM = r"(\d+(?:\.\d+)?)"
_SPLIT = re.compile(r"[.;!?。；！？\n](?!\d)|[,，、]|(?<![a-z])(?:and then|and|then|also|plus|but|after that|"
                    r"as well as)(?![a-z])|然后|并且|同时|但是|另外|还有|接着|再把|并把")
_PROTECTED = re.compile(r"\bin and out\b|\bfade in and out\b")
# Quoted text: kept whole, and never read as words of the instruction (commands.py hides it too).
QUOTE = re.compile(r'"(?:[^"\\]|\\.)*"|“[^”]*”|「[^」]*」|‘[^’]*’|(?<![a-z])\'[^\']+\'(?![a-z])')
PERCENT = re.compile(rf"{_NUM}\s*(?:%|percent(?![a-z])|per cent(?![a-z])|pct(?![a-z]))")
SECONDS = re.compile(rf"{_NUM}\s*(?:-\s*)?(?:s|secs?|seconds?|秒钟?)(?![a-z])")
_PX = re.compile(rf"{_NUM}\s*(?:px|pixels?|pt)(?![a-z])|(?:size|字号)\s*(?:of\s+|to\s+|为)?{_NUM}")
HEX = re.compile(r"#[0-9a-f]{6}(?![0-9a-f])")
_FACTOR = {"twice": 2.0, "double": 2.0, "two times": 2.0, "triple": 3.0, "three times": 3.0,
           "half": 0.5, "halve": 0.5, "两倍": 2.0, "一倍": 2.0, "一半": 0.5}
FACTOR = re.compile(r"(?<![a-z])(twice|double|two times|triple|three times|half|halve)(?![a-z])|"
                    r"两倍|一倍|一半|"
                    rf"{_NUM}\s*(?:x|×|times)(?![a-z])")
_CAMERA_MOVE = re.compile(r"(?<![a-z])(?:zoom|pan|tilt|dolly|push|pull|truck|crane|roll|rotat|spin|orbit)"
                          r"|推|拉|摇|旋转|缩放|平移")
_CAMERA_DIRECTION = re.compile(r"(?<![a-z])(in|out|left|right|up|down|clockwise|counterclockwise|"
                               r"anticlockwise|counter clockwise)(?![a-z])|向左|向右|向上|向下|左|右")
_PLACE_WORDS = re.compile(r"(?<![a-z])(?:to|at|on|in|into|towards?)\s+(?:the\s+)?(?:very\s+)?"
                          r"(top|bottom|center|centre|middle)(?![a-z])|(?:移到|放到|放在|到|在|移至|放)"
                          r"(顶部|底部|中间|上方|下方|中央|上面|下面|上边|下边|顶端|底端|正中)")
_PLACE_OF = {"顶部": "top", "上方": "top", "上面": "top", "上边": "top", "顶端": "top", "底部": "bottom",
             "下方": "bottom", "下面": "bottom", "下边": "bottom", "底端": "bottom"}
_CONTENT_TO = re.compile(r"(?<![a-z])(?:to|into|so it says|to say|to read|so it reads|say|says|read|reads|"
                         r"saying|with)\s+(?P<rest>.+)$|(?:改成|改为|换成|改写成|写成|变成)(?P<zh>.+)$")
_SPEED_WORD = re.compile(r"(?<![a-z])(slow|slowly|gentle|subtle|medium|moderate|fast|quick|quickly|rapid)"
                         r"(?![a-z])|(缓慢|慢速|中速|快速)")
_SPEED_OF = {"slow": "slow", "slowly": "slow", "gentle": "slow", "subtle": "slow", "medium": "medium",
             "moderate": "medium", "fast": "fast", "quick": "fast", "quickly": "fast", "rapid": "fast",
             "缓慢": "slow", "慢速": "slow", "中速": "medium", "快速": "fast"}
_SMALL_CHANGE = re.compile(r"一点|点$|些")
_TIME_VERBS = re.compile(r"(?<![a-z])(?:appear|appears|show up|shows up|come in|comes in|pop up|pops up|"
                         r"start|starts|begin|begins|kick in|come on|出现|开始)(?![a-z])")
_END_VERBS = re.compile(r"(?<![a-z])(?:until|till|disappear|disappears|end|ends|finish|finishes|stop|stops|"
                        r"hide|go away|goes away|vanish|by)(?![a-z])|消失|结束|停")
_TO_NUMBER = re.compile(r"(?<![a-z])(?:to|at|into|until|till)\s+(?:about\s+|around\s+)?\d|(?:到|为|成)\d")
_WHOLE = re.compile(r"(?<![a-z])(?:(?:the )?(?:whole|entire|full) (?:clip|video|time|thing|length)|"
                    r"until the end|till the end|to the end|all the way(?: through)?|throughout)(?![a-z])|"
                    r"全程|整个视频|到结尾|到最后|一直")
_ADD_SECONDS = re.compile(
    r"(?<![a-z])(?:(?P<cut>cut|trim|take off|shave off|shave|remove|drop|lose|lop off)|add|adding|give it)\s+"
    r"(?:another\s+|an extra\s+|extra\s+|off\s+)?\d+(?:\.\d+)?\s*(?:s|secs?|seconds?)(?![a-z])|"
    r"\d+(?:\.\d+)?\s*(?:more|extra)\s+(?:s|secs?|seconds?)(?![a-z])|"
    r"(?:加|延长|多)\d+(?:\.\d+)?秒|(?P<cutzh>减|减少|剪掉|去掉|缩短)\d+(?:\.\d+)?秒")
_FADE = re.compile(r"(?<![a-z])fad(?:e|es|ed|ing)(?:[\s-]+(?:the|it|this|that|music|song|track|audio|sound|"
                   r"title|text|caption|bgm))*[\s-]+(in|out|away)(?![a-z])")
# Verbs that remove only what they name: "no, make it faster", "stop at 3s", "不要那么快".
_BARE_VERBS = ("no", "stop", "cut", "without", "don't want", "don't need", "undo", "revert", "cancel",
               "不要", "去", "撤销")
# "Speed that up", "turn the music down a bit", "tone it down": a verb and its particle around the thing.
_PHRASAL = re.compile(r"(?<![a-z])(speed|slow|turn|crank|pump|tone|dial|bring|calm)\s+"
                      r"(?:(?!camera|lens|view|shot)[a-z']+\s+){0,3}?(up|down|back)(?![a-z])")
_PHRASAL_MEANS = {("speed", "up"): ("speed +",), ("slow", "down"): ("speed -",),
                  ("turn", "up"): ("volume +",), ("turn", "down"): ("volume -",),
                  ("crank", "up"): ("volume +",), ("pump", "up"): ("volume +",),
                  ("tone", "down"): ("speed -", "volume -"), ("dial", "back"): ("speed -", "volume -"),
                  ("dial", "down"): ("speed -", "volume -"), ("bring", "up"): ("volume +", "up"),
                  ("bring", "down"): ("volume -", "down"), ("calm", "down"): ("speed -", "volume -")}
_UP_VERB = re.compile(r"(?<![a-z])(?:show|shows|pop|pops|come|comes|set|end|line|light|fire|start|speed|turn|"
                      r"pump|crank|bring|bringing)\s+(?:[a-z']+\s+){0,3}$")
_COLOUR_WORD = re.compile(r"(?<![a-z])(?:colou?r|colou?rs)(?![a-z])|颜色")
_BARE_VOLUME = re.compile(r"(?:volume|音量)\D{0,12}?(\d+(?:\.\d+)?)"
                          r"(?!\s*(?:s|secs?|seconds?|秒|px|x))")
_SIZE_WORD = re.compile(r"(?<![a-z])(small|smaller|big|large|huge|giant|tiny)(?![a-z])|"
                        r"(大号|小号|大字|小字)")
_SIZE_OF = {"small": 48, "tiny": 32, "big": 96, "large": 96, "huge": 128, "giant": 128, "大号": 96,
            "大字": 96, "小号": 48, "小字": 48}
_DEFINITE = re.compile(r"(?<![a-z])(?:the|this|that|these|those|its)\s+(?:[a-z]+\s+)?(?:title|text|caption|"
                       r"headline|subtitle|words|label|overlay)s?(?![a-z])|(?<![a-z])(?:it|them)(?![a-z])|"
                       r"把(?:标题|字幕|文字)|(?:标题|字幕|文字)(?:的|要|放|显示|时间)")
_BOTH_FADES = re.compile(r"in\s+and\s+out|淡入淡出|渐入渐出")
_TEXT_WORD = re.compile(r"标题|字幕|文字|文案|字体|字号|标语|(?<![a-z])(?:title|text|caption|font)")
_SAYS = re.compile(r"(?<![a-z])(?:say|says|read|reads|saying|reading)(?![a-z])")
_STILL = re.compile(r"(?<![a-z])(?:still|static|steady|fixed|locked|stationary|as it is|the same)(?![a-z])|"
                    r"固定|不动|静止")
_SPAN = re.compile(r"(?<![a-z])(?:from|between)\s+\d.*?(?:to|and|until|till|-)\s*\d|从\d.*?到\d")
_FIRST = re.compile(r"(?:first|opening|前)\s*\d|"
                    r"\d\s*(?:s|secs?|seconds?)?\s*(?:at the start|at the beginning)")
_START_AT = re.compile(r"(?<![a-z])(?:at|from|after)\s+\d|"
                       r"在?第?\d+(?:\.\d+)?秒(?:时|的时候)?(?:出现|开始|显示)")
_BOX = re.compile(r"(?<![a-z])(?:box|background box|backdrop|background)(?![a-z])|背景框|底框|底色")


@dataclass
class Clause:
    """A clause of a message: as typed (``original``), normalised with quoted text blanked (``low``), and
    its quoted text."""

    original: str
    low: str
    quotes: list[str]


@dataclass
class Request:
    clause: Clause
    mention: Mention
    op: str | None = None
    options: tuple[str, ...] = ()
    degree: str | None = None
    value: str = ""
    numbers: dict[str, float] = field(default_factory=dict)
    absolute: bool = False  # "turn it down to 25%": the number is the new value, not a step


def split(sentence: str) -> list[Clause]:
    """The clauses of ``sentence``; quoted text stays whole, in the clause that holds it."""
    masked = QUOTE.sub(lambda m: "\x00" * len(m[0]), sentence)
    reading = _PROTECTED.sub(lambda m: m[0].replace("and", "&&&"), masked.translate(TRADITIONAL).lower())
    clauses, start = [], 0
    for m in [*_SPLIT.finditer(reading), None]:
        end = m.start() if m else len(sentence)
        if sentence[start:end].strip():
            original = sentence[start:end]
            quotes = [_unquote(q[0]) for q in QUOTE.finditer(original)]
            low = normalise(QUOTE.sub(' " ', original))
            clauses.append(Clause(original.strip(), low.strip(), quotes))
        if m:
            start = m.end()
    return clauses


def _unquote(q: str) -> str:
    body = q[1:-1]
    return body.replace('\\"', '"') if q.startswith('"') else body


def parse(clause: Clause, draft: Draft) -> Request:
    """What ``clause`` asks; ``op`` None when it asks nothing this module knows (camera moves, aspect …)."""
    low = clause.low
    request = Request(clause, read_mention(low, clause.original, clause.quotes, draft))
    verbs = {h.meaning: h for h in reversed(lexicon.find("verb", low))}
    request.degree = _degree(low)
    request.numbers = _numbers(low)
    if (m := _ADD_SECONDS.search(low)) and not (
            set(request.mention.kinds) & {"text", "music", *AXES, "motion"} or request.clause.quotes):
        request.op = "relative"  # "add 2 seconds", "cut a second": the clip's length
        request.options = ("length -",) if m["cut"] or m["cutzh"] else ("length +",)
    elif "remove" in verbs and _removes(low, verbs["remove"], request):
        request.op = "remove"
    elif "fade-in" in verbs or "fade-out" in verbs or _FADE.search(low):
        fading = _FADE.search(low)
        request.op = "fade"
        request.value = "in" if "fade-in" in verbs or (fading and fading[1] == "in") else "out"
        if _BOTH_FADES.search(low):
            request.value = "both"  # "fade in and out", 淡入淡出
    elif (relative := _relative(low))[0]:
        request.op, request.options = "relative", relative[0]
        request.degree = request.degree or relative[1]
        request.absolute = bool(_TO_NUMBER.search(low))
        said = lexicon.find("change", low)
        if request.degree is None and any(_SMALL_CHANGE.search(h.phrase) for h in said):
            request.degree = "small"  # "快一点": a bit faster
    else:
        _value(request, verbs)
    if request.op is None and "keep" in verbs and not request.mention.empty and not _STILL.search(low):
        # "keep the music" protects it; "only keep the zoom" removes the other moves
        request.op = "keep-only" if re.search(r"(?<![a-z])(?:only|just)(?![a-z])|只", low) else "keep"
    return request


def _removes(low: str, verb: lexicon.Hit, request: Request) -> bool:
    """Whether a removal verb removes something here ("no music"), not "no, make it faster"."""
    if verb.phrase in ("stop", "cut", "end") and "seconds" in request.numbers:
        return False  # "stop at 3s", "cut 2 seconds": a time, not a removal
    after = low[verb.end:]
    things = lexicon.find("target", after) or lexicon.find("ref", after)
    if not things and (moves := read_camera(after).moves):  # "不要放大了", "no more zooming in"
        request.mention.kinds += [m.axis for m in moves]
        return True
    if not things and verb.phrase in _BARE_VERBS:
        return False
    return bool(things or request.mention.texts or request.mention.ordinal or request.clause.quotes
                or not after.strip(" .!"))


def _degree(low: str) -> str | None:
    """The degree word of the clause, not one inside a relative word ("the other way", "too much")."""
    turns = lexicon.find("turn", low)
    taken = [(h.start, h.end) for kind in ("change", "turn", "mood") for h in lexicon.find(kind, low)]
    taken += [(h.start, h.end) for h in lexicon.find("adjective", low)
              if any(0 <= h.start - t.end <= 1 for t in turns)]
    for hit in lexicon.find("degree", low):
        if not any(s < hit.end and hit.start < e for s, e in taken):
            return hit.meaning
    return None


def _relative(low: str) -> tuple[tuple[str, ...], str | None]:
    """The parameters a relative word of the clause may mean (the first word wins), and the degree its
    words imply ("way too loud": much quieter)."""
    turns = lexicon.find("turn", low)
    moods = lexicon.find("mood", low)
    for adjective in lexicon.find("adjective", low):
        turn = next((t for t in turns if 0 <= adjective.start - t.end <= 1), None)
        if turn is not None:
            options = tuple(adjective.meaning.split("|"))
            # "more energetic", "more dramatic": of the music, a mood
            options += tuple(f"mood {m.meaning}" for m in moods if m.start <= adjective.start < m.end)
            how, *degree = turn.meaning.split()
            if how == "invert":
                options = tuple(_invert(o) for o in options)
            return options, next(iter(degree), None)
    if (m := _PHRASAL.search(low)) and (m[1], m[2]) in _PHRASAL_MEANS:
        return _PHRASAL_MEANS[(m[1], m[2])], None
    changes = [h for h in lexicon.find("change", low) if not any(m.start <= h.start < m.end for m in moods)
               and not (moods and h.phrase in ("more", "less"))  # "something more cinematic": a mood
               and not (h.phrase == "up" and _UP_VERB.search(low[:h.start]))]  # "show up at 2s"
    if _CAMERA_MOVE.search(low):  # "tilt up more": "up" is the move's direction, "more" the change
        changes = [h for h in changes if h.meaning not in ("up", "down", "left", "right")]
    if not _TEXT_WORD.search(low):  # 放大/缩小 alone are the camera's zoom in and out, "bigger" of a title
        changes = [h for h in changes if h.phrase not in ("放大", "缩小")]
    return (tuple(changes[0].meaning.split("|")) if changes else ()), None


def _invert(option: str) -> str:
    flips = {"+": "-", "-": "+", "up": "down", "down": "up", "smooth": "smooth -", "smooth -": "smooth"}
    parts = option.split()
    if parts[0] == "mood":
        return option
    if parts[-1] in ("+", "-"):
        return f"{parts[0]} {flips[parts[-1]]}"
    return flips.get(option, option)


def _numbers(low: str) -> dict[str, float]:
    numbers: dict[str, float] = {}
    if m := PERCENT.search(low) or _BARE_VOLUME.search(low):
        numbers["percent"] = float(m[1])
    if seconds := SECONDS.findall(low):
        numbers["seconds"] = float(seconds[0])
        if len(seconds) > 1:
            numbers["seconds2"] = float(seconds[1])
    if m := _PX.search(low):
        numbers["px"] = float(m[1] or m[2])
    if m := FACTOR.search(low):
        numbers["factor"] = _FACTOR.get(m[0].strip(), 0.0) or float(m[2] or 0) or _FACTOR.get(m[1] or "", 1.0)
    return numbers


def _value(request: Request, verbs: dict[str, lexicon.Hit]) -> None:
    """A request for a value: a colour, mood, place, volume, size, time, content or a new title."""
    low, mention, numbers = request.clause.low, request.mention, request.numbers
    kinds = set(mention.kinds)
    colours = lexicon.find("colour", low)
    hex_colour = HEX.search(low)
    moods = lexicon.find("mood", low)
    adds = "add" in verbs or bool(re.match(r"\s*(?:title|caption|text|标题|字幕|文字)\s*[:：]", low)) or (
        "show" in verbs and (request.clause.quotes or not _DEFINITE.search(low))) or (
        request.clause.quotes and "text" in kinds and not mention.texts and "set" not in verbs)  # 标题「…」
    if adds and ("music" in kinds or (moods and not kinds)):
        request.op = "add-music"
        request.value = moods[0].meaning if moods else ""
        return
    if adds and ("text" in kinds or (request.clause.quotes and not kinds & {"music", "clip"})
                 or not (kinds or mention.ref or _CAMERA_MOVE.search(low))):
        request.op = "add-text"  # "add the title …", "put "50% off" at the top", "write Summer Sale"
        return
    if "box" in kinds or (_BOX.search(low) and "text" in kinds and "music" not in kinds):
        request.op, request.value = "box", "on"
        return
    if (content := _new_content(request)) is not None:
        request.op, request.value = "content", content
        return
    if not (colours or hex_colour) and _COLOUR_WORD.search(low) and ("text" in kinds or mention.ref):
        request.op = "colour"  # "change the colour of the title": the reply asks which colour
        return
    if colours or hex_colour:
        request.op = "colour"
        request.value = hex_colour[0].upper() if hex_colour else colours[0].meaning
        request.options = (hex_colour[0].upper() if hex_colour else colours[0].phrase,)
        return
    if moods and ("music" in kinds or not (kinds or _CAMERA_MOVE.search(low))):
        request.op, request.value = "mood", moods[0].meaning
        return
    if m := _PLACE_WORDS.search(low):
        place = m[1] or _PLACE_OF.get(m[2], "center")
        request.op, request.value = "place", {"centre": "center", "middle": "center"}.get(place, place)
        return
    if "percent" in numbers and (kinds & {"music"} or not kinds & {*AXES, "motion", "text", "clip"}):
        request.op = "volume"
        return
    if "px" in numbers:
        request.op = "size"
        return
    if (m := _SIZE_WORD.search(low)) and ("set" in verbs or "text" in kinds) and not _CAMERA_MOVE.search(low):
        request.op = "size"  # "make it big": the size a new title of that word gets
        request.numbers["px"] = float(_SIZE_OF[m[1] or m[2]])
        return
    if "percent" in numbers and kinds & {*AXES, "motion"} and not _CAMERA_DIRECTION.search(low):
        request.op = "amount"
        return
    if _WHOLE.search(low) and "seconds" not in numbers:
        request.op, request.value = "time", "whole"
        request.mention.kinds = [k for k in kinds if k != "clip"]
        return
    if "seconds" in numbers and not kinds & {"clip", "aspect"}:
        request.op = "time"
        request.value = _time_kind(low)
        return
    if (m := _SPEED_WORD.search(low)) and ("set" in verbs or "keep" in verbs) and not _camera_moves(low):
        request.op, request.value = "speed", _SPEED_OF[m[1] or m[2]]
        return
    if "set" in verbs and "text" in kinds and not request.clause.quotes:
        request.op = "what"  # "change the title": which, and what of it


def _camera_moves(low: str) -> bool:
    """Whether the clause names a camera move with its direction ("pan left"): the camera grammar's."""
    return bool(_CAMERA_MOVE.search(low) and _CAMERA_DIRECTION.search(low))


def _time_kind(low: str) -> str:
    """Which time a clause with seconds gives: a span, the start, the end or the length."""
    if _SPAN.search(low):
        return "span"
    if _FIRST.search(low):
        return "first"
    if re.search(r"(?:last|final|最后)\s*\d", low):
        return "last"
    if _END_VERBS.search(low):
        return "end"
    if _TIME_VERBS.search(low) or _START_AT.search(low):
        return "start"
    return "length"


def _new_content(request: Request) -> str | None:
    """The new words of a title: "change the title to 'Big Sale'", "make it say Hello", "把标题改成…"."""
    clause, mention = request.clause, request.mention
    if len(clause.quotes) == 2:  # "change "Sale" to "Big Sale"": of a title there, else not understood
        return clause.quotes[1] if mention.texts else None
    says = _SAYS.search(clause.low)
    if "text" not in mention.kinds and not (mention.ref and (clause.quotes or says)):
        return None
    m = _CONTENT_TO.search(clause.low)
    if m is None:
        return None
    if clause.quotes:
        return clause.quotes[-1]
    rest = (m["rest"] or m["zh"] or "").strip()
    if not rest or lexicon.find("colour", rest) or HEX.search(rest) or _PLACE_WORDS.search(" to " + rest) \
            or re.fullmatch(r"[\d.\s]*(?:%|px|s|seconds?|秒)?|(?:the )?(?:top|bottom|center|middle)", rest):
        return None
    # The words as typed: normalising keeps the clause's length only for Chinese (1:1 characters), so the
    # typed tail is found again by its marker.
    typed = clause.original
    reading = typed.translate(TRADITIONAL)
    if m["zh"] is not None:
        marker = next(k for k in ("改写成", "改成", "改为", "换成", "写成", "变成") if k in reading)
        return typed[reading.index(marker) + len(marker):].strip(" ：:,，。\"“”") or None
    words = re.search(r"(?i)(?<![a-z])(?:to|into|so it says|to say|to read|so it reads|say|says|read|reads|"
                      r"saying|with)\s+(.+)$", typed)
    return words[1].strip(" .!") if words else None


def inherit(requests: list[Request]) -> list[Request]:
    """Clauses that only name things take the request next to them: "remove the music and the title",
    "make the title and the music quieter"."""
    out: list[Request] = []
    pending: list[Request] = []
    for request in requests:
        mention = request.mention
        names = mention.kinds or mention.texts or mention.ordinal or mention.place or mention.plural
        # A clause with a value of its own ("make the clip 3 seconds long") is a whole request for the
        # reading of what needs no reference: the next clause's op, with that clause's numbers, is not its.
        alone = not request.numbers and not _CAMERA_MOVE.search(request.clause.low)
        if request.op is None and names and alone:
            if out and out[-1].op in ("remove", "keep", "colour", "mood", "fade") \
                    and not request.mention.ref:
                out.append(replace(out[-1], clause=request.clause, mention=request.mention))
            else:
                pending.append(request)
            continue
        if pending and request.op is not None:
            for only in pending:
                out.append(replace(request, clause=only.clause, mention=only.mention))
            pending = []
        out.extend(pending)
        pending = []
        out.append(request)
    return out + pending
