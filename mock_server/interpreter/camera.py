"""The camera grammar: free text → the moves a camera operator would make → specs/motion.md's ``motion``.

Read in four steps, each small:

1. ``normalise`` and ``clauses.split``: one form of the text, cut into clauses of tokens.
2. Per clause, each move word takes the directions, speed, amount and focus words around it (up to the next
   move word or conjunction); a direction with no move word of its own ("向左", "and to the left") is a move
   too. A move word that is also an everyday word ("roll", "rise") only counts when the camera is its subject
   or object, or the clause is an order: "waves rolling" describes the subject, not the camera.
3. Across clauses, in order: a negated move excludes that move ("no rotation", "don't zoom out"); a move
   in a correcting clause ("actually", "instead") replaces the earlier one on its axis; otherwise the first
   move on an axis wins and a later one is reported as ignored. "Static" means no motion, unless moves
   were asked for too.
4. Build the value: speed words map to motion.md's amounts; a number given wins; a speed word also covers
   the later moves that have none.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from ...amounts import DEFAULT_SPEED, SPEED_AMOUNTS
from .clauses import Clause, Token, split
from .normalise import normalise
from .vocabulary import CONTENT_MOVES, FAMILIES, SPEED_ADVERB

DEFAULT_EASING = "ease-in-out"
AXIS_OF = {"in": "zoom", "out": "zoom", "left": "x", "right": "x", "up": "y", "down": "y", "cw": "roll",
           "ccw": "roll"}
AXES = ("zoom", "x", "y", "roll")
# A direction named after "on"/"into"… is where a zoom goes, not a pan.
_DIR_POINT = {"left": (0.25, 0.5), "right": (0.75, 0.5), "up": (0.5, 0.25), "down": (0.5, 0.75)}
# The longest prompt the generative tools take (Kling 2,500 characters, Hailuo 2,000): reading stops there, so
# an instruction costs bounded time whatever its size.
MAX_CHARS = 2500
# Beyond these a number is a slip, not a move (a 100% pan crosses the whole frame; 4 = a 5x zoom).
LIMITS = {"zoom": 4.0, "x": 1.0, "y": 1.0, "roll": 360.0}
_PIKA_SPEED = {0: "slow", 1: "slow", 2: "medium", 3: "fast", 4: "fast"}
_ARTICLES = {"the", "a", "an"}
_AMOUNT_KINDS = ("pct", "factor", "deg", "frac")
_HOW = ("speed", "manner", "easing")  # how a move goes, between an article and its move word
_OPPOSITE = {"left": "right", "right": "left", "up": "down", "down": "up", "cw": "ccw", "ccw": "cw"}
_SAYS_WAY = re.compile(r"(?<![a-z])(?:in|out|up|down|left|right|back|away|closer|forward|backward)(?![a-z])|"
                       r"(?<![a-z])(?:ris|ascend|lower|descend|sink|rais|lift|elevat|tighten|widen|magnif|enlarg)|"
                       r"[左右上下前后进远近大小升降推拉]")


@dataclass(frozen=True)
class Move:
    """One camera move: ``amount`` is a fraction of the frame (zoom, pan, tilt) or degrees (roll)."""

    axis: str
    direction: str
    speed: str | None = None
    amount: float | None = None
    words: str = ""
    clause: int = 0
    at: int = 0  # where its word is in the text: a speed word covers the moves after it
    guessed: bool = False  # the direction is the move word's default ("pan" → right), not said


@dataclass(frozen=True)
class Reading:
    """What the camera grammar made of an instruction.

    ``motion`` is the value for the draft (``None`` when nothing was read, or for ``static``);
    ``understood`` pairs the words with what they did; ``ignored`` lists words that did nothing, and
    ``notes`` the parts left out on purpose, with why.
    """

    motion: dict[str, Any] | None
    static: bool
    moves: tuple[Move, ...]
    understood: tuple[tuple[str, str], ...]
    ignored: tuple[str, ...]
    notes: tuple[str, ...]
    ignored_clauses: tuple[str, ...]
    easing: str | None = None  # as said; the value's easing is the default when none was
    focus: tuple[float, float] | None = None
    length_s: float | None = None
    # Where the move's length was said, in the normalised text (start, end): free text tells it from the
    # clip's length by place, not by value ("make it 4 seconds with a 4s pan left").
    length_span: tuple[int, int] | None = None

    @property
    def found(self) -> bool:
        return bool(self.moves) or self.static


_CLIP_NOUNS = frozenset({"clip", "video", "film", "movie", "duration", "length", "视频", "时长"})


@dataclass
class _Candidate:
    token: Token
    family: str
    default: str | None
    ambiguous: bool
    speed: str | None
    negated: bool
    attached: list[Token] = field(default_factory=list)
    implicit: bool = False
    of_content: bool = False  # said of the picture: the camera goes the other way


@dataclass
class _State:
    events: list[tuple[str, Any, bool]] = field(default_factory=list)  # (kind, value, correcting)
    understood: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # id() of tokens that meant something
    focus: tuple[float, float] | None = None
    easing: str | None = None
    length_s: float | None = None
    length_span: tuple[int, int] | None = None
    loose_speeds: list[tuple[int, str]] = field(default_factory=list)  # (clause index, speed)


def read_camera(text: str) -> Reading:
    """Read the camera moves of free ``text`` (quoted content already taken out by the caller). Pure: each
    call gets a ``motion`` of its own, so a caller that stores or changes it changes no other reading."""
    reading = _cached_reading(text)
    return replace(reading, motion=copy.deepcopy(reading.motion)) if reading.motion is not None else reading


@lru_cache(maxsize=1024)  # the free-text reading and its fallbacks ask about the same words
def _cached_reading(text: str) -> Reading:
    """``read_camera``'s reading, shared between calls: its ``motion`` must not leave this module uncopied."""
    state = _State()
    if len(text) > MAX_CHARS:
        state.notes.append(f"read only the first {MAX_CHARS} characters")
    clauses = split(normalise(text[:MAX_CHARS]))
    per_clause: list[list[Move]] = []
    correcting = False
    for index, clause in enumerate(clauses):
        # "Actually, pan right": a clause that is only a correction word corrects the next one.
        alone = all(t.kind in ("correct", "filler", "neg") for t in clause.tokens)
        per_clause.append(_read_clause(clause, index, state, correcting))
        correcting = alone and any(t.kind in ("correct", "neg") for t in clause.tokens)
    moves = _combine(state)
    moves = _carry_speeds(moves, per_clause, state)
    static = not moves and any(kind == "static" for kind, _, _ in state.events)
    if moves and any(kind == "static" for kind, _, _ in state.events):
        state.notes.append("kept the moves asked for rather than a static shot")
    motion = build_motion(moves, state.focus, state.easing, state.length_s) if moves else None
    ignored, ignored_clauses = _ignored(clauses, state.used)
    return Reading(motion, static, tuple(moves), tuple(state.understood), tuple(ignored),
                   tuple(dict.fromkeys(state.notes)), tuple(ignored_clauses), state.easing, state.focus,
                   state.length_s, state.length_span)


# --- step 2: one clause ---------------------------------------------------------------------------------

def _read_clause(clause: Clause, index: int, state: _State, corrected: bool) -> list[Move]:
    tokens = clause.tokens
    correcting = corrected or any(t.kind == "correct" for t in tokens)
    # A reveal comes last: "pull back to reveal the room" is a pull back, the reveal what it is for; a move
    # without a direction goes toward what it reveals ("pan to reveal the left side").
    candidates = sorted(_candidates(tokens, correcting), key=lambda c: c.family == "reveal")
    _lend_reveal_sides(candidates)
    accepted: set[int] = set()
    clause_moves: list[Move] = []
    for cand in candidates:
        tok = cand.token
        if cand.family == "reveal" and clause_moves:
            continue
        if cand.ambiguous and not _governed(tokens, tok, accepted):
            if not cand.negated:
                state.notes.append(f'"{tok.text}" describes the subject, not the camera')
            continue
        cand.of_content = cand.family in CONTENT_MOVES and _of_content(tokens, tok)
        accepted.add(id(tok))
        moves, focus = _resolve(cand, index, state)
        if focus is not None and state.focus is None and not cand.negated:
            state.focus = focus
        if cand.negated:
            state.used.add(id(tok))
            if not moves:  # "no camera movement", "don't move the camera"
                state.events.append(("static", None, False))
                state.understood.append((_words(cand), "no camera motion"))
                continue
            explicit = any(t.kind in ("dir", "region") for t in cand.attached) or cand.implicit
            for move in moves:
                state.events.append(("exclude", (move.axis, move.direction if explicit else None), False))
            state.understood.append((_words(cand), "not " + ", ".join(
                _name(m) if explicit else _name(m).split()[0] for m in moves)))
            continue
        if not moves:
            if not cand.implicit:
                state.notes.append(f'"{tok.text}" needs a direction')
            continue
        state.used.add(id(tok))
        state.used.update(id(t) for t in cand.attached if t.kind not in ("word", "filler"))
        for move in moves:
            state.events.append(("move", (move, index), correcting))
        clause_moves.extend(moves)
        where = f", focus {focus[0] * 100:g}% {focus[1] * 100:g}%" if focus is not None else ""
        state.understood.append((_words(cand), "; ".join(_part_text(m) for m in moves) + where))
    for tok in tokens:
        _modifier(tok, tokens, index, bool(candidates), state)
    negating = False
    for tok in tokens:
        if tok.kind == "neg":
            negating = True
            state.used.add(id(tok))
        elif tok.kind in ("scope", "correct", "conj"):
            negating = False
            state.used.add(id(tok))
        elif tok.kind == "static":
            state.used.add(id(tok))
            if not negating:
                state.events.append(("static", None, correcting))
                state.understood.append((tok.text, "no camera motion"))
        elif tok.kind == "unsupported":
            state.used.add(id(tok))
            if not negating:  # "no camera shake" asks for nothing the renderer lacks
                state.notes.append(f'"{tok.text}" ({tok.meaning}) is not a move the renderer can make')
    return clause_moves


def _candidates(tokens: Sequence[Token], correcting: bool) -> list[_Candidate]:
    """The move words of a clause (and directions standing for one), each with the words it takes."""
    chunks: list[list[Token]] = [[]]
    for tok in tokens:
        if tok.kind == "conj":
            chunks.append([tok])
        else:
            chunks[-1].append(tok)
    result: list[_Candidate] = []
    negating = False
    previous: _Candidate | None = None
    carried: list[Token] = []  # "a slow and steady pan right": speeds said before the move's own chunk
    for chunk in chunks:
        owners: list[_Candidate] = []
        pending: list[Token] = []
        for tok in chunk:
            if tok.kind == "neg":
                negating = True
            elif tok.kind in ("scope", "correct", "conj"):
                negating = False  # "avoid any rotation and tilt up": the tilt is asked for
            if tok.kind == "conj":
                continue
            if tok.kind == "move" and owners and _candidate(tok, negating).family == "any" and not any(
                    t.kind in ("dir", "region") for t in owners[-1].attached):
                owners[-1].attached.append(tok)  # "tracking shot moving left": one move, said twice
            elif tok.kind == "move":
                cand = _candidate(tok, negating)
                cand.attached.extend(carried)
                carried = []
                # "向下 右移": a direction before a move word that cannot take it is a move of its own.
                for t in pending:
                    if (t.kind == "dir" and "weak" not in t.meaning.split() and not owners
                            and t.meaning.split()[0] not in FAMILIES[cand.family]):
                        own = _Candidate(t, "any", None, True, None, negating, implicit=True)
                        own.attached.append(t)
                        result.append(own)
                    else:
                        cand.attached.append(t)
                pending = []
                owners.append(cand)
            elif owners:
                owners[-1].attached.append(tok)
            else:
                pending.append(tok)
        if owners:
            result.extend(owners)
            previous = owners[-1]
            continue
        # A chunk without a move word: its directions complete the move before it, or are a move themselves.
        loose = [t for t in pending if t.kind in ("dir", "region")]
        fits = previous is not None and loose and all(
            _fits(previous, t) for t in loose)
        if previous is not None and fits:
            previous.attached.extend(pending)
            continue
        strong = [t for t in loose if "weak" not in t.meaning.split() or correcting]
        if strong and not any(t.kind in ("at", "focus") for t in pending[:pending.index(strong[0])]):
            cand = _Candidate(strong[0], "any", None, True, None, negating, implicit=True)
            cand.attached.extend(pending)
            result.append(cand)
            previous = cand
        elif previous is not None:
            previous.attached.extend(t for t in pending if t.kind in (*_AMOUNT_KINDS, "speed"))
        else:
            carried += [t for t in pending if t.kind in ("speed", "easing")]
    return result


def _candidate(tok: Token, negated: bool) -> _Candidate:
    parts = tok.meaning.split()
    family = parts[0]
    default = next((p for p in parts[1:] if p in AXIS_OF), None)
    speed = next((p for p in parts[1:] if p in SPEED_AMOUNTS), None)
    return _Candidate(tok, family, default, "?" in parts, speed, negated)


def _fits(previous: _Candidate, tok: Token) -> bool:
    """Whether a loose direction completes ``previous`` (its family takes it, on an axis not yet set)."""
    directions = _directions(tok)
    if previous.family == "zoom":
        return tok.kind == "region"
    taken = {AXIS_OF[d] for t in previous.attached if t.kind in ("dir", "region") for d in _directions(t)}
    return bool(directions) and all(d in FAMILIES[previous.family] and AXIS_OF[d] not in taken
                                    for d in directions)


def _directions(tok: Token) -> list[str]:
    if tok.kind == "dir":
        return [tok.meaning.split()[0]]
    if tok.kind == "region":
        return tok.meaning.split()[2:]
    return []


def _governed(tokens: Sequence[Token], tok: Token, accepted: set[int]) -> bool:
    """Whether the camera makes the move ``tok`` names (rather than the subject of the clause)."""
    i = next(k for k, t in enumerate(tokens) if t is tok)
    after = [t for t in tokens[i + 1:] if not (t.kind == "filler" and t.text in _ARTICLES)]
    if after and after[0].kind in ("camera", "content"):  # "rotate the camera", "move the picture"
        return True
    passed_article = False
    only_speeds = True  # between an article and the move word: "a swift truck right" is a move
    for t in reversed(tokens[:i]):
        if t.kind in ("camera", "content"):
            return True
        if t.kind == "move" and id(t) in accepted:
            # "pan left and rising" is a move; "pan left over rolling waves" describes the waves.
            return not (tok.inflected and after and after[0].kind == "word")
        if t.kind in ("word", "move"):
            return False  # "waves rolling", "steam rising", "人物向左走": somebody else moves
        if t.kind == "filler" and t.text in _ARTICLES:
            passed_article = True
        elif not passed_article and t.kind not in _HOW and t.kind != "filler":
            only_speeds = False  # "a very slight drift": intensifiers may stand between
    if passed_article and only_speeds and i > 1 and after and after[0].kind == "dir":
        return tokens[i - 1].kind in _HOW  # "a barely perceptible drift to the right"
    # The clause starts with the move word: an order ("rise slowly", "向右"), not "a truck", "rolling hills".
    return not passed_article and not tok.inflected


def _lend_reveal_sides(candidates: list[_Candidate]) -> None:
    reveals = [c for c in candidates if c.family == "reveal"]
    if not reveals:
        return
    sides = [t if t.kind != "place" else replace(t, kind="dir") for c in reveals for t in c.attached
             if t.kind in ("dir", "place") or (t.kind == "region" and len(t.meaning.split()) > 2)]
    for cand in candidates:
        if cand.family != "reveal" and not any(t.kind in ("dir", "region") for t in cand.attached):
            cand.attached.extend(sides)


def _of_content(tokens: Sequence[Token], tok: Token) -> bool:
    """Whether the move word is said of the picture: "move the picture left", "the image drifts up"."""
    i = next(k for k, t in enumerate(tokens) if t is tok)
    skip = ("filler", "speed", "manner")
    after = next((t for t in tokens[i + 1:] if t.kind not in skip), None)
    before = next((t for t in reversed(tokens[:i]) if t.kind not in skip), None)
    return any(t is not None and t.kind == "content" for t in (after, before))


def _resolve(cand: _Candidate, clause: int, state: _State) -> tuple[list[Move], tuple[float, float] | None]:
    """The moves a candidate makes and the focus it names."""
    family = FAMILIES[cand.family]
    directions: dict[str, str] = {}
    focus: tuple[float, float] | None = None
    speed = cand.speed
    amount: Token | None = None
    target = False
    zoomish = cand.family in ("zoom", "kenburns")
    toks = cand.attached if cand.implicit else [cand.token, *cand.attached]
    for k, t in enumerate(toks):
        intro = k > 0 and any(p.kind in ("at", "focus") for p in toks[max(0, k - 2):k])
        if t.kind == "region":
            point = tuple(float(v) for v in t.meaning.split()[:2])
            if zoomish or (intro and "in" in directions.values()):
                focus = focus or (point[0], point[1])
                state.used.add(id(t))
                continue
            for d in t.meaning.split()[2:]:
                if d in family:
                    directions.setdefault(AXIS_OF[d], d)
            state.used.add(id(t))
        elif t.kind == "dir":
            d = t.meaning.split()[0]
            if intro and AXIS_OF[d] in ("x", "y") and (zoomish or "zoom" in directions):
                focus = focus or _DIR_POINT[d]
                state.used.add(id(t))
            elif d in family:
                directions.setdefault(AXIS_OF[d], d)
                state.used.add(id(t))
        elif t.kind == "place" and cand.family == "reveal":  # "reveal more of the sky"
            directions.setdefault(AXIS_OF[t.meaning], t.meaning)
            state.used.add(id(t))
        elif t.kind == "speed" and speed is None and not _attributive(toks, k):
            speed = t.meaning
            state.used.add(id(t))
        elif t.kind in _AMOUNT_KINDS and amount is None:
            amount = t
            target = k > 0 and toks[k - 1].text == "to"  # "zoom in to 120%" is a zoom factor
    if cand.implicit and cand.token.kind == "dir":
        d = cand.token.meaning.split()[0]
        directions.setdefault(AXIS_OF[d], d)
    if cand.family == "kenburns":
        zoom_dir = directions.pop("zoom", "in")
        side = directions.get("x") or directions.get("y")
        pan_axis = "y" if "y" in directions and "x" not in directions else "x"
        moves = [Move("zoom", zoom_dir, speed or "slow", None, cand.token.text, clause, cand.token.start),
                 Move(pan_axis, side or "right", speed or "slow", None, cand.token.text, clause,
                      cand.token.start)]
        return _with_amount(moves, amount, target, state), focus
    # "pan" goes right only by default; "tilt down", "push in", "rise", 左摇 say their way.
    guessed = not directions and not _SAYS_WAY.search(cand.token.text)
    if not directions and cand.default is not None:
        directions[AXIS_OF[cand.default]] = cand.default
    if cand.family == "reveal" and directions.keys() & {"x", "y"}:
        directions.pop("zoom", None)  # toward the part revealed, not wider
    if cand.of_content:
        directions = {axis: _OPPOSITE.get(d, d) if axis != "zoom" else d for axis, d in directions.items()}
    moves = [Move(axis, d, speed, None, _words(cand), clause, cand.token.start, guessed)
             for axis, d in directions.items()]
    moves.sort(key=lambda m: AXES.index(m.axis))
    return _with_amount(moves, amount, target, state), focus


def _with_amount(moves: list[Move], tok: Token | None, target: bool, state: _State) -> list[Move]:
    if tok is None or tok.number is None:
        return moves
    out = []
    for m in moves:
        value: float | None = None
        if m.axis == "roll":
            value = tok.number if tok.kind == "deg" else None
        elif tok.kind == "pct" and target and m.axis == "zoom" and tok.number > 100:
            value = tok.number / 100 - 1
        elif tok.kind == "pct":
            value = tok.number / 100
        elif tok.kind == "frac":
            value = tok.number
        elif tok.kind == "factor" and m.axis == "zoom" and tok.number > 1:
            value = tok.number - 1
        if value is not None and value > LIMITS[m.axis]:
            state.notes.append(f'"{tok.text}" is more than a {_name(m).split()[0]} can do; '
                               "used the usual amount")
        elif value is not None and value > 0:
            state.used.add(id(tok))
            m = replace(m, amount=round(value, 6))
        out.append(m)
    return out


def _attributive(toks: Sequence[Token], k: int) -> bool:
    """A speed adjective that describes the next noun ("gentle breeze"), not the move ("slowly above")."""
    text = toks[k].text
    adjective = text.isascii() and not text.endswith("ly")
    return adjective and k + 1 < len(toks) and toks[k + 1].kind == "word"


def _modifier(tok: Token, tokens: Sequence[Token], index: int, has_moves: bool, state: _State) -> None:
    """Clause-wide words: easing, move length, "focus at x% y%", Pika's -motion, a speed standing alone."""
    if tok.kind == "easing" and state.easing is None:
        state.easing = tok.meaning
        state.used.add(id(tok))
        state.understood.append((tok.text, f"easing {tok.meaning}"))
    elif tok.kind == "length" and state.length_s is None and tok.number and not _of_clip(tok, tokens):
        state.length_s = tok.number
        state.length_span = (tok.start, tok.end)
        state.used.add(id(tok))
        state.understood.append((tok.text, f"the move takes {tok.number:g}s"))
    elif tok.kind == "focusat" and state.focus is None:
        values = [float(v) for v in tok.text.replace("%", " ").split() if _is_number(v)]
        state.focus = (values[0] / 100, values[1] / 100)
        state.used.add(id(tok))
        state.understood.append((tok.text, "focus point"))
    elif tok.kind == "pika" and tok.number is not None:
        state.loose_speeds.append((index, _PIKA_SPEED.get(int(tok.number), "fast")))
        state.used.add(id(tok))
        state.understood.append((tok.text, f"{_PIKA_SPEED.get(int(tok.number), 'fast')} speed"))
    elif tok.kind == "region" and id(tok) not in state.used and state.focus is None:
        k = tokens.index(tok)
        if any(t.kind == "focus" for t in tokens[:k]):
            state.focus = tuple(float(v) for v in tok.meaning.split()[:2])  # type: ignore[assignment]
            state.used.add(id(tok))
            state.used.update(id(t) for t in tokens[:k] if t.kind == "focus")
            state.understood.append((tok.text, "focus point"))
    elif tok.kind == "speed" and not has_moves and id(tok) not in state.used:
        k = tokens.index(tok)
        if not _attributive(tokens, k) and not any(t.kind == "word" for t in tokens):
            state.loose_speeds.append((index, tok.meaning))
            state.used.add(id(tok))


def _of_clip(tok: Token, tokens: Sequence[Token]) -> bool:
    """A length said of the clip, not of the move: "make the clip 6 seconds long and pan right over 3s"."""
    k = tokens.index(tok)
    before = next((t for t in reversed(tokens[:k]) if t.kind != "filler"), None)
    return before is not None and before.kind == "word" and before.text in _CLIP_NOUNS


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- step 3: across clauses -----------------------------------------------------------------------------

def _combine(state: _State) -> list[Move]:
    chosen: dict[str, tuple[Move, int]] = {}
    for kind, value, correcting in state.events:
        if kind == "exclude":
            axis, direction = value
            if axis in chosen and direction in (None, chosen[axis][0].direction):
                state.notes.append(f"left out {_name(chosen[axis][0])}, as asked")
                del chosen[axis]
        elif kind == "static" and correcting:
            chosen.clear()
        elif kind == "move":
            move, index = value
            if move.axis not in chosen or correcting:
                chosen[move.axis] = (move, index)
            elif chosen[move.axis][0].direction != move.direction:
                state.notes.append(f"kept {_name(chosen[move.axis][0])}; ignored {_name(move)} (one move per "
                                   "direction: say \"actually\" or \"instead\" to change it)")
            elif chosen[move.axis][0].amount is None and move.amount is not None:
                chosen[move.axis] = (replace(chosen[move.axis][0], amount=move.amount), chosen[move.axis][1])
    return [m for _, (m, _) in sorted(chosen.items(), key=lambda kv: AXES.index(kv[0]))]


def _carry_speeds(moves: list[Move], per_clause: list[list[Move]], state: _State) -> list[Move]:
    """Give a speed to moves without one: a speed clause of its own ("…, slowly") covers the moves of the
    clause before it (or after it, if it comes first); then a speed word covers the later moves."""
    speeds: dict[int, str] = {}
    for index, loose in state.loose_speeds:
        before = [i for i in range(index, -1, -1) if per_clause[i]]
        after = [i for i in range(index, len(per_clause)) if per_clause[i]]
        target = before[0] if before else (after[0] if after else None)
        if target is not None:
            speeds.setdefault(target, loose)
    carried: str | None = None
    filled: dict[int, Move] = {}
    for m in sorted(moves, key=lambda m: (m.clause, m.at, AXES.index(m.axis))):
        speed = m.speed or speeds.get(m.clause) or carried
        carried = speed
        filled[id(m)] = replace(m, speed=speed)
    return [filled[id(m)] for m in moves]


# --- step 4: the value and its words --------------------------------------------------------------------

def build_motion(moves: Sequence[Move], focus: Sequence[float] | None, easing: str | None,
                 length_s: float | None) -> dict[str, Any]:
    """The ``motion`` value for camera moves, per specs/motion.md."""
    motion: dict[str, Any] = {}
    pan = [0.0, 0.0]
    for move in moves:
        zoom_a, pan_a, roll_deg = SPEED_AMOUNTS[move.speed or DEFAULT_SPEED]
        if move.axis == "zoom":
            a = round(move.amount if move.amount is not None else zoom_a, 6)
            motion["zoom"] = [1.0, round(1 + a, 6)] if move.direction == "in" else [round(1 + a, 6), 1.0]
        elif move.axis in ("x", "y"):
            a = round(move.amount if move.amount is not None else pan_a, 6)
            pan[0 if move.axis == "x" else 1] = -a if move.direction in ("left", "up") else a
            motion["pan"] = pan
        else:
            deg = move.amount if move.amount is not None else roll_deg
            motion["roll"] = [0.0, deg if move.direction == "cw" else -deg]
    if focus is not None:
        motion["focus"] = [float(focus[0]), float(focus[1])]
    motion["easing"] = easing or DEFAULT_EASING
    if length_s is not None:
        motion["d"] = round(length_s * 1000)
    return motion


_VERB = {"zoom": "zoomed", "x": "panned", "y": "tilted", "roll": "rolled"}
_DIRECTION_WORD = {"cw": "clockwise", "ccw": "counterclockwise"}


def _name(move: Move) -> str:
    verb = {"zoom": "zoom", "x": "pan", "y": "tilt", "roll": "roll"}[move.axis]
    return f"{verb} {_DIRECTION_WORD.get(move.direction, move.direction)}"


def _part_text(move: Move) -> str:
    text = _name(move)
    if move.speed:
        text += f", {move.speed}"
    if move.amount is not None:
        text += f", {_amount_text(move)}"
    return text


def _amount_text(move: Move) -> str:
    column = {"zoom": 0, "x": 1, "y": 1, "roll": 2}[move.axis]
    a = move.amount if move.amount is not None else SPEED_AMOUNTS[move.speed or DEFAULT_SPEED][column]
    if move.axis == "roll":
        return f"{a:g} degrees"
    return f"{a * 100:g}%"


def describe(moves: Sequence[Move], motion: dict[str, Any]) -> str:
    """Plain words for what was done: "zoomed in 10% and panned left 5%, slowly (ease-in-out)"."""
    speeds = {m.speed for m in moves}
    same = len(speeds) == 1 and None not in speeds
    bits = []
    for m in moves:
        text = f"{_VERB[m.axis]} {_DIRECTION_WORD.get(m.direction, m.direction)} {_amount_text(m)}"
        if m.speed and not same:
            text += f" {SPEED_ADVERB[m.speed]}"
        bits.append(text)
    words = bits[0] if len(bits) == 1 else ", ".join(bits[:-1]) + " and " + bits[-1]
    if same:
        words += f", {SPEED_ADVERB[next(iter(speeds))]}"  # type: ignore[index]
    if "focus" in motion:
        fx, fy = motion["focus"]
        words += f", centred at {fx * 100:g}% {fy * 100:g}%"
    if "d" in motion:
        words += f", over {motion['d'] / 1000:g}s"
    return f"{words} ({motion['easing']})"


def _words(cand: _Candidate) -> str:
    toks = [cand.token, *cand.attached] if not cand.implicit else cand.attached
    toks = [t for t in toks if t.kind not in ("word", "filler")] or [cand.token]
    return " ".join(t.text for t in sorted(toks, key=lambda t: t.start))


def _ignored(clauses: Sequence[Clause], used: set[int]) -> tuple[list[str], list[str]]:
    """The content words that did nothing, and the clauses where nothing at all was understood."""
    words: list[str] = []
    dropped: list[str] = []
    for clause in clauses:
        run = ""
        for tok in clause.tokens:
            if tok.kind == "word" and not tok.text.isascii():
                run += tok.text
                continue
            if run:
                words.append(run)
                run = ""
            if tok.kind == "word" or (tok.kind in ("move", "dir", "speed", "region") and id(tok) not in used):
                words.append(tok.text)
        if run:
            words.append(run)
        if not any(id(t) in used for t in clause.tokens) and any(t.kind == "word" for t in clause.tokens):
            dropped.append(clause.text)
    return words, dropped
