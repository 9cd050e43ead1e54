"""Scopes: tests that share one mock, each with its own fault plan, counters, request log and reset.

A request that carries ``X-Mock-Scope: <name>`` belongs to that scope. It is subject to the mock-wide plan
(``mock serve --faults``, or ``POST /__mock/faults`` without a scope) and to its scope's own plan
(``POST /__mock/faults`` with the same header); each plan counts the calls its rules match on its own, so
an ``nth: 1`` in one test's scope fires on that test's first call whatever the others do. The identities
(tokens) a scope's requests were issued belong to it, so a scope's reset can forget its state and nobody
else's.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from .envelopes import bad_body
from .faults import FaultPlan, FaultRule, RateLimit
from .request_log import RequestLog
from .store import Store

# What a reset can clear; all of them unless told.
CLEARABLE = ("state", "faults", "counters", "log")


@dataclass
class PlanState:
    """One fault plan in force and its counters: calls per rule, firings, the seeded draws, rate windows."""

    plan: FaultPlan
    seed: int
    rate_limit: RateLimit | None = None  # used when the plan sets none
    counts: list[int] = field(default_factory=list)
    fired: list[int] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    windows: dict[str, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        """Start counting again, as if the plan had just been set."""
        self.counts = [0] * len(self.plan.rules)
        self.fired = [0] * len(self.plan.rules)
        self.rng = random.Random(self.seed if self.plan.seed is None else self.plan.seed)
        self.windows = {}

    def firing(self, method: str, path: str, caller: str | None) -> list[FaultRule]:
        """The rules that fire for this call (each rule that matches counts the call)."""
        out = []
        for i, rule in enumerate(self.plan.rules):
            if not rule.matches(method, path, caller):
                continue
            self.counts[i] += 1
            n = self.counts[i]
            if rule.times is not None and self.fired[i] >= rule.times:
                continue
            if rule.nth and n not in rule.nth:
                continue
            if rule.after is not None and n <= rule.after:
                continue
            if rule.probability is not None and self.rng.random() >= rule.probability:
                continue
            self.fired[i] += 1
            out.append(rule)
        return out

    def over_rate(self, key: str, now: float) -> float | None:
        """Seconds until the window ends if this call is over the limit, else ``None``."""
        limit = self.plan.rate_limit or self.rate_limit
        if limit is None:
            return None
        window = math.floor(now / limit.window)
        start, count = self.windows.get(key, (window, 0))
        if start != window:
            count = 0
        self.windows[key] = (window, count + 1)
        if count + 1 > limit.requests:
            return max(0.0, (window + 1) * limit.window - now)
        return None

    def rule_number(self, rule: FaultRule) -> int:
        return self.plan.rules.index(rule)


class Scopes:
    """The mock-wide plan, every scope's plan, and the request log, on one store."""

    def __init__(self, store: Store, seed: int, rate_limit: RateLimit | None, plan: FaultPlan) -> None:
        self.store = store
        self.seed = seed
        self.mock_wide = PlanState(plan, seed, rate_limit)
        self.scoped: dict[str, PlanState] = {}
        self.log = RequestLog()

    def states(self, scope: str | None) -> list[PlanState]:
        """The plans a request of ``scope`` is subject to: the mock-wide one, then its scope's."""
        own = self.scoped.get(scope) if scope is not None else None
        return [self.mock_wide] if own is None else [self.mock_wide, own]

    def plan(self, scope: str | None) -> FaultPlan:
        """The plan set for ``scope`` (the mock-wide one for ``None``)."""
        state = self.mock_wide if scope is None else self.scoped.get(scope)
        return state.plan if state is not None else FaultPlan()

    def set_plan(self, plan: FaultPlan, scope: str | None = None) -> None:
        """Replace the plan of ``scope`` (the mock-wide one for ``None``); its counters start again."""
        if scope is None:
            self.mock_wide = PlanState(plan, self.seed, self.mock_wide.rate_limit)
        elif plan.rules or plan.rate_limit:
            self.scoped[scope] = PlanState(plan, self.seed)
        else:
            self.scoped.pop(scope, None)

    def reset(self, scope: str | None, clear: Iterable[str] = CLEARABLE) -> list[str]:
        """Clear what ``clear`` names for ``scope``, or for the whole mock when ``scope`` is ``None``:

        - ``state``: the tokens (identities) issued to the scope's requests and their sessions, uploads and
          renders; the whole store for the whole mock;
        - ``faults``: the plan (for the whole mock: its own and every scope's);
        - ``counters``: the plans' call counts, ``times`` and ``probability`` draws, rate windows;
        - ``log``: the logged requests.

        Returns what was cleared, in ``CLEARABLE``'s order.

        Raises:
            ApiFailure: 422 naming an unknown item.
        """
        asked = set(clear)
        if unknown := sorted(asked - set(CLEARABLE)):
            raise bad_body(f"reset cannot clear {', '.join(map(repr, unknown))}: it clears "
                           f"{', '.join(CLEARABLE)}")
        states = [self.mock_wide, *self.scoped.values()] if scope is None else \
            [s for s in (self.scoped.get(scope),) if s is not None]
        if "state" in asked:
            if scope is None:
                self.store.reset()
            else:
                self.store.forget_scope(scope)
        if "faults" in asked:
            if scope is None:
                self.scoped.clear()
            self.set_plan(FaultPlan(), scope)
        elif "counters" in asked:
            for state in states:
                state.restart()
        if "log" in asked:
            self.log.clear(scope)
        return [item for item in CLEARABLE if item in asked]

