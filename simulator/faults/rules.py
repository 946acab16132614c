"""Fault rules: what a rule matches and when it fires; pure decisions (no aiohttp), so they are easy to test."""

from __future__ import annotations

import fnmatch
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.pipeline.body import NO_BODY, RequestBody

#: A value that is not there (a JSON path that does not exist, an unset option).
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING", "__bool__": lambda self: False})()


@dataclass
class RequestFacts:
    """What the rules look at in one request; headers are keyed in lower case."""

    method: str
    path: str
    route: str | None = None
    account_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    request_body: RequestBody = NO_BODY

    @property
    def body(self) -> Any:
        """The JSON body (the request's one parse), or MISSING when there is none or it does not parse."""
        return self.request_body.value_or(MISSING)


def lookup(document: Any, dotted: str) -> Any:
    """The value at a dotted path (`instance.restorePoint.backupRef`; digits index lists), else MISSING."""
    value = document
    for part in dotted.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return MISSING
    return value


def is_subset(pattern: Any, value: Any) -> bool:
    """A JSON subset: every key of a mapping pattern is in value with a matching value ({} matches any mapping);
    anything else must be equal."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and is_subset(v, value[k]) for k, v in pattern.items())
    if isinstance(pattern, bool) or isinstance(value, bool):  # true is not 1
        return type(pattern) is type(value) and pattern == value
    return pattern == value


@dataclass(frozen=True)
class Match:
    """The request a rule applies to; every given part must hold (an empty Match matches every API request)."""

    methods: frozenset[str] | None = None
    routes: frozenset[str] | None = None
    path: str | None = None  # shell-style glob over the whole path (fnmatch: `*` also crosses `/`)
    path_regex: re.Pattern | None = None  # Python regex, re.search anywhere in the path
    accounts: frozenset[str] | None = None
    json: Any = MISSING  # JSON subset of the body
    present: tuple[str, ...] = ()  # dotted paths that must exist in the body
    absent: tuple[str, ...] = ()  # dotted paths that must not exist in the body
    headers: tuple[tuple[str, str | bool], ...] = ()  # (lower-case name, value | True present | False absent)

    def matches(self, facts: RequestFacts) -> bool:
        """Whether this request is one the rule applies to."""
        if self.methods is not None and facts.method.upper() not in self.methods:
            return False
        if self.routes is not None and facts.route not in self.routes:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(facts.path, self.path):
            return False
        if self.path_regex is not None and not self.path_regex.search(facts.path):
            return False
        if self.accounts is not None and facts.account_id not in self.accounts:
            return False
        for name, expected in self.headers:
            actual = facts.headers.get(name)
            if (expected is True and actual is None) or (expected is False and actual is not None):
                return False
            if isinstance(expected, str) and actual != expected:
                return False
        if self.json is not MISSING and not is_subset(self.json, facts.body):
            return False
        if any(lookup(facts.body, p) is MISSING for p in self.present):
            return False
        return all(lookup(facts.body, p) is MISSING for p in self.absent)


@dataclass(frozen=True)
class Moment:
    """A window edge: seconds after the scenario was loaded (relative) or an epoch time (absolute)."""

    seconds: float
    relative: bool

    def at(self, loaded_at: float) -> float:
        return loaded_at + self.seconds if self.relative else self.seconds


@dataclass(frozen=True)
class When:
    """Which of the matching requests fire: skip `after`, then each `every`-th, at most `times`, with `probability`,
    only inside the window on the simulator's clock."""

    times: int | None = None
    after: int = 0
    every: int = 1
    probability: float | None = None
    start: Moment | None = None
    end: Moment | None = None

    def in_window(self, now: float, loaded_at: float) -> bool:
        if self.start is not None and now < self.start.at(loaded_at):
            return False
        return self.end is None or now < self.end.at(loaded_at)


@dataclass
class RuleCounter:
    """How often a rule matched (inside its window) and how often it fired."""

    matches: int = 0
    hits: int = 0


@dataclass(frozen=True)
class Rule:
    """One rule of a scenario: match, when, and the plan of actions (see actions.Plan)."""

    index: int
    name: str
    match: Match
    when: When
    plan: Any


def consider(
    rule: Rule, counter: RuleCounter, facts: RequestFacts, now: float, loaded_at: float, rng: random.Random
) -> str | None:
    """Count the request against the rule; a note on why it fired, or None when it does not.

    The generator is drawn from only when a probability decides, so the same request sequence gives the same draws.
    """
    if not rule.match.matches(facts) or not rule.when.in_window(now, loaded_at):
        return None
    when = rule.when
    counter.matches += 1
    n = counter.matches - when.after
    if n <= 0 or n % when.every:
        return None
    if when.times is not None and counter.hits >= when.times:
        return None
    note = f"match {counter.matches}"
    if when.probability is not None:
        draw = rng.random()
        if draw >= when.probability:
            return None
        note += f", draw {draw:.4f} < {when.probability}"
    counter.hits += 1
    return note + f", hit {counter.hits}"
