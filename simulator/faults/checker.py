"""Checking a scenario document field by field: every problem is collected with its place (file, rule, field),
and a document without problems becomes a Scenario of rules."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any

from simulator.clock import parse_time
from simulator.faults.actions import MODEL_FAULT_ROUTES, Delay, Failure, Malformed, ModelFault, Plan, Respond, Truncate
from simulator.faults.rules import MISSING, Match, Moment, Rule, When

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SCENARIO_FIELDS = ("name", "description", "seed", "account", "rules")
RULE_FIELDS = ("name", "match", "when", "actions")
MATCH_FIELDS = ("method", "route", "path", "path_regex", "account", "json", "present", "absent", "headers")
WHEN_FIELDS = ("times", "after", "every", "probability", "window")
ACTIONS = (
    "respond",
    "delay",
    "reset",
    "drop_answer",
    "truncate",
    "malformed",
    "model_fault",
    "expire_token",
    "fail_source",
    "break_replica",
)
RESPOND_FIELDS = ("status", "fault", "message", "details", "retry_after", "body", "headers")


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its rules share one seeded generator."""

    name: str
    description: str
    seed: int
    account: str | None
    rules: tuple[Rule, ...]
    definition: dict  # the mapping it was built from (what the store keeps)
    origin: str


def not_a_mapping(origin: str, document: Any) -> str:
    return f"{origin}: a scenario is a mapping with name, description, seed and rules, got {_type_name(document)}"


def _type_name(value: Any) -> str:
    return (
        "null"
        if value is None
        else {
            "bool": "boolean",
            "str": "string",
            "int": "integer",
            "float": "number",
            "dict": "mapping",
            "list": "list",
        }.get(type(value).__name__, type(value).__name__)
    )


class ScenarioChecker:
    """Walks a scenario document, collecting problems with their place."""

    def __init__(self, origin: str, routes: set[str]) -> None:
        self.origin = origin
        self.routes = routes
        self.problems: list[str] = []
        self.place = ""

    def fail(self, field: str, message: str) -> None:
        where = f"{self.origin}: " + (f"{self.place}: " if self.place else "") + (f"{field}: " if field else "")
        self.problems.append(where + message)

    def fields(self, mapping: dict, allowed: tuple[str, ...], prefix: str, hint: str = "") -> None:
        for key in mapping:
            if key not in allowed:
                self.fail(f"{prefix}{key}", f"unknown field (allowed: {', '.join(allowed)}){hint}")

    # typed readers: return MISSING after recording a problem
    def integer(self, value: Any, field: str, minimum: int) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"expected an integer, got {_type_name(value)} {value!r}")
            return MISSING
        if value < minimum:
            self.fail(field, f"must be >= {minimum}, got {value}")
            return MISSING
        return value

    def number(self, value: Any, field: str, low: float | None = 0, high: float | None = None) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(field, f"expected a number, got {_type_name(value)} {value!r}")
            return MISSING
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f">= {low}"
            self.fail(field, f"must be {bounds}, got {value}")
            return MISSING
        return float(value)

    def string(self, value: Any, field: str) -> Any:
        if not isinstance(value, str):
            self.fail(field, f"expected a string, got {_type_name(value)} {value!r}")
            return MISSING
        return value

    def strings(self, value: Any, field: str, *, ids: bool = False) -> Any:
        """A string or a list of strings (ids: account numbers written as integers are accepted)."""
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if ids and isinstance(item, int) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                self.fail(field, f"expected a string or a list of strings, got {_type_name(item)} {item!r}")
                return MISSING
            out.append(item)
        if not out:
            self.fail(field, "must not be empty")
            return MISSING
        return out

    def mapping(self, value: Any, field: str) -> Any:
        if not isinstance(value, dict):
            self.fail(field, f"expected a mapping, got {_type_name(value)} {value!r}")
            return MISSING
        return value

    # the document ----------------------------------------------------------------------------------------------
    def scenario(self, doc: Any) -> Scenario | None:
        if not isinstance(doc, dict):
            self.problems.append(not_a_mapping(self.origin, doc))
            return None
        self.fields(doc, SCENARIO_FIELDS, "")
        name = MISSING
        if "name" not in doc:
            self.fail("name", "required")
        else:
            name = self.string(doc["name"], "name")
            if name is not MISSING and not _NAME.match(name):
                self.fail("name", f"must be 1-64 letters, digits, '_', '-' or '.', got {name!r}")
        description = self.string(doc["description"], "description") if "description" in doc else ""
        seed = self.integer(doc["seed"], "seed", -(2**63)) if "seed" in doc else 0
        account = None
        if doc.get("account") is not None:
            account = doc["account"]
            if isinstance(account, int) and not isinstance(account, bool):
                account = str(account)
            account = self.string(account, "account")
        rules_doc = doc.get("rules", MISSING)
        rules: list[Rule] = []
        if rules_doc is MISSING:
            self.fail("rules", "required")
        elif not isinstance(rules_doc, list) or not rules_doc:
            self.fail("rules", f"expected a non-empty list of rules, got {_type_name(rules_doc)}")
        else:
            seen: set[str] = set()
            for index, rule_doc in enumerate(rules_doc):
                rule = self.rule(index, rule_doc)
                if rule is not None:
                    if rule.name in seen:
                        self.fail("name", f"another rule is already named {rule.name!r}")
                    seen.add(rule.name)
                    rules.append(rule)
                self.place = ""
        if self.problems:
            return None
        return Scenario(
            name=name,
            description=description,
            seed=seed,
            account=account,
            rules=tuple(rules),
            definition=doc,
            origin=self.origin,
        )

    def rule(self, index: int, doc: Any) -> Rule | None:
        name = f"rule-{index}"
        if isinstance(doc, dict) and isinstance(doc.get("name"), str) and doc["name"]:
            name = doc["name"]
        self.place = f"rules[{index}] {name!r}"
        if not isinstance(doc, dict):
            self.fail("", f"a rule is a mapping with match, when and actions, got {_type_name(doc)}")
            return None
        before = len(self.problems)
        self.fields(
            doc,
            RULE_FIELDS,
            "",
            hint="; times, after, every, probability and window go under 'when'" if set(doc) & set(WHEN_FIELDS) else "",
        )
        if "name" in doc:
            self.string(doc["name"], "name")
        match = self.match(doc.get("match", {}))
        when = self.when(doc.get("when", {}))
        plan = self.actions(doc.get("actions", MISSING), match)
        if len(self.problems) > before or match is None or when is None:
            return None
        return Rule(index=index, name=name, match=match, when=when, plan=plan)

    def match(self, doc: Any) -> Match | None:
        doc = {} if doc is None else doc
        if self.mapping(doc, "match") is MISSING:
            return None
        self.fields(doc, MATCH_FIELDS, "match.")
        kwargs: dict[str, Any] = {}
        if "method" in doc:
            methods = self.strings(doc["method"], "match.method")
            if methods is not MISSING:
                upper = {m.upper() for m in methods}
                for bad in sorted(upper - METHODS):
                    self.fail("match.method", f"unknown HTTP method {bad!r}")
                kwargs["methods"] = frozenset(upper)
        if "route" in doc:
            names = self.strings(doc["route"], "match.route")
            if names is not MISSING:
                for bad in names:
                    if bad not in self.routes:
                        close = difflib.get_close_matches(bad, sorted(self.routes), n=3, cutoff=0.8)
                        self.fail(
                            "match.route",
                            f"unknown route name {bad!r}" + (f" (did you mean: {', '.join(close)}?)" if close else ""),
                        )
                kwargs["routes"] = frozenset(names)
        if "path" in doc:
            glob = self.string(doc["path"], "match.path")
            if glob is not MISSING:
                kwargs["path"] = glob
        if "path_regex" in doc:
            pattern = self.string(doc["path_regex"], "match.path_regex")
            if pattern is not MISSING:
                try:
                    kwargs["path_regex"] = re.compile(pattern)
                except re.error as exc:
                    self.fail("match.path_regex", f"not a valid regular expression: {exc}")
        if "account" in doc:
            accounts = self.strings(doc["account"], "match.account", ids=True)
            if accounts is not MISSING:
                kwargs["accounts"] = frozenset(accounts)
        if "json" in doc and self.mapping(doc["json"], "match.json") is not MISSING:
            kwargs["json"] = doc["json"]
        for key in ("present", "absent"):
            if key in doc:
                paths = self.strings(doc[key], f"match.{key}")
                if paths is not MISSING:
                    kwargs[key] = tuple(paths)
        if "headers" in doc and self.mapping(doc["headers"], "match.headers") is not MISSING:
            headers = []
            for name, value in doc["headers"].items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    value = str(value)
                if not isinstance(name, str) or not isinstance(value, (str, bool)):
                    self.fail(
                        f"match.headers.{name}",
                        f"expected a string, true (present) or false (absent), got {_type_name(value)} {value!r}",
                    )
                    continue
                headers.append((name.lower(), value))
            kwargs["headers"] = tuple(headers)
        return Match(**kwargs)

    def when(self, doc: Any) -> When | None:
        if doc is None:
            doc = {}
        if self.mapping(doc, "when") is MISSING:
            return None
        self.fields(doc, WHEN_FIELDS, "when.")
        kwargs: dict[str, Any] = {}
        for key, minimum in (("times", 1), ("after", 0), ("every", 1)):
            if key in doc:
                value = self.integer(doc[key], f"when.{key}", minimum)
                if value is not MISSING:
                    kwargs[key] = value
        if "probability" in doc:
            value = self.number(doc["probability"], "when.probability", 0, 1)
            if value is not MISSING:
                kwargs["probability"] = value
        if "window" in doc and self.mapping(doc["window"], "when.window") is not MISSING:
            window = doc["window"]
            self.fields(window, ("start", "end"), "when.window.")
            for key in ("start", "end"):
                if key in window:
                    moment = self.moment(window[key], f"when.window.{key}")
                    if moment is not MISSING:
                        kwargs[key] = moment
            start, end = kwargs.get("start"), kwargs.get("end")
            if start and end and start.relative == end.relative and end.seconds <= start.seconds:
                self.fail("when.window.end", "must be after when.window.start")
        return When(**kwargs)

    def moment(self, value: Any, field: str) -> Any:
        """Seconds after loading (a number) or an ISO time on the simulator's clock."""
        if isinstance(value, dt.datetime):
            value = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
            return Moment(value.timestamp(), relative=False)
        if isinstance(value, str):
            try:
                return Moment(parse_time(value).timestamp(), relative=False)
            except ValueError:
                self.fail(field, f"expected seconds after loading or an ISO-8601 time, got {value!r}")
                return MISSING
        seconds = self.number(value, field, 0)
        return MISSING if seconds is MISSING else Moment(seconds, relative=True)

    def actions(self, doc: Any, match: Match | None) -> Plan | None:
        if doc is MISSING:
            self.fail("actions", "required (a list such as [{respond: {status: 503}}])")
            return None
        if not isinstance(doc, list) or not doc:
            self.fail("actions", f"expected a non-empty list of actions, got {_type_name(doc)}")
            return None
        plan: dict[str, Any] = {}
        for i, item in enumerate(doc):
            field = f"actions[{i}]"
            if isinstance(item, str):
                item = {item: True}
            if not isinstance(item, dict) or len(item) != 1:
                self.fail(field, f"each action is a mapping with one key ({', '.join(ACTIONS)})")
                continue
            kind, value = next(iter(item.items()))
            if kind not in ACTIONS:
                self.fail(f"{field}.{kind}", f"unknown action (allowed: {', '.join(ACTIONS)})")
                continue
            if kind in plan:
                self.fail(f"{field}.{kind}", "this action is already given")
                continue
            built = getattr(self, f"action_{kind}")(value, f"{field}.{kind}")
            if built is not MISSING:
                plan[kind] = built
        terminal = [k for k in ("respond", "reset") if k in plan]
        shaping = [k for k in ("drop_answer", "truncate", "malformed") if k in plan]
        if len(terminal) > 1:
            self.fail("actions", "respond and reset cannot both be given")
        if len(shaping) > 1:
            self.fail(
                "actions", f"only one of drop_answer, truncate and malformed can be given, got {', '.join(shaping)}"
            )
        if "reset" in plan and (shaping or "model_fault" in plan):
            self.fail(
                "actions",
                "reset sends no answer: it cannot be combined with "
                + ", ".join(shaping + (["model_fault"] if "model_fault" in plan else [])),
            )
        if "respond" in plan and ("drop_answer" in plan or "model_fault" in plan):
            self.fail(
                "actions", "respond answers instead of the handler: drop_answer and model_fault need the handler to run"
            )
        if "model_fault" in plan and match is not None:
            routes = match.routes or frozenset()
            if not routes or not routes <= set(MODEL_FAULT_ROUTES):
                self.fail("actions", f"model_fault needs match.route limited to {', '.join(MODEL_FAULT_ROUTES)}")
        return Plan(**{k: v for k, v in plan.items()})

    def flag(self, value: Any, field: str) -> Any:
        if value is True or value == {} or value is None:
            return True
        self.fail(field, f"expected true, got {_type_name(value)} {value!r}")
        return MISSING

    action_reset = action_drop_answer = action_expire_token = flag

    def action_delay(self, value: Any, field: str) -> Any:
        if isinstance(value, dict):
            self.fields(value, ("seconds", "min", "max"), f"{field}.")
            if "seconds" in value:
                seconds = self.number(value["seconds"], f"{field}.seconds", 0)
                return MISSING if seconds is MISSING else Delay(seconds, seconds)
            if "min" not in value or "max" not in value:
                self.fail(field, "give seconds, or min and max (a range drawn from the scenario's seed)")
                return MISSING
            low = self.number(value["min"], f"{field}.min", 0)
            high = self.number(value["max"], f"{field}.max", 0)
            if MISSING in (low, high):
                return MISSING
            if high < low:
                self.fail(f"{field}.max", f"must be >= min ({low}), got {high}")
                return MISSING
            return Delay(low, high)
        seconds = self.number(value, field, 0)
        return MISSING if seconds is MISSING else Delay(seconds, seconds)

    def action_respond(self, value: Any, field: str) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = {"status": value}
        if self.mapping(value, field) is MISSING:
            return MISSING
        self.fields(value, RESPOND_FIELDS, f"{field}.")
        if "status" not in value:
            self.fail(f"{field}.status", "required")
            return MISSING
        status = self.integer(value["status"], f"{field}.status", 200)
        if status is not MISSING and status > 599:
            self.fail(f"{field}.status", f"must be between 200 and 599, got {status}")
            return MISSING
        kwargs: dict[str, Any] = {"status": status}
        for key in ("fault", "message", "details"):
            if key in value:
                kwargs[key] = self.string(value[key], f"{field}.{key}")
        if "retry_after" in value:
            kwargs["retry_after"] = (
                None if value["retry_after"] is None else self.integer(value["retry_after"], f"{field}.retry_after", 0)
            )
        if "body" in value:
            if {"fault", "message", "details"} & set(value):
                self.fail(f"{field}.body", "a custom body replaces the fault body: drop fault, message and details")
            kwargs["body"] = value["body"]
        if "headers" in value and self.mapping(value["headers"], f"{field}.headers") is not MISSING:
            headers = []
            for name, header in value["headers"].items():
                if isinstance(header, (int, float)) and not isinstance(header, bool):
                    header = str(header)
                if not isinstance(name, str) or not isinstance(header, str):
                    self.fail(f"{field}.headers.{name}", f"expected a string, got {_type_name(header)}")
                    continue
                headers.append((name, header))
            kwargs["headers"] = tuple(headers)
        if status is MISSING or MISSING in kwargs.values():
            return MISSING
        return Respond(**kwargs)

    def action_truncate(self, value: Any, field: str) -> Any:
        if value is True or value is None or value == {}:
            return Truncate()
        if self.mapping(value, field) is MISSING:
            return MISSING
        self.fields(value, ("bytes",), f"{field}.")
        keep = self.integer(value.get("bytes"), f"{field}.bytes", 1)
        return MISSING if keep is MISSING else Truncate(keep)

    def action_malformed(self, value: Any, field: str) -> Any:
        if value is True or value is None or value == {}:
            return Malformed()
        if self.mapping(value, field) is MISSING:
            return MISSING
        self.fields(value, ("body",), f"{field}.")
        body = self.string(value.get("body"), f"{field}.body")
        return MISSING if body is MISSING else Malformed(body)

    def failure(self, value: Any, field: str) -> Any:
        """fail_source / break_replica: true, or {id, message} (templates; id defaults to the request's)."""
        if value is True or value is None or value == {}:
            return Failure()
        if self.mapping(value, field) is MISSING:
            return MISSING
        self.fields(value, ("id", "message"), f"{field}.")
        parts = {key: self.string(value[key], f"{field}.{key}") for key in ("id", "message") if key in value}
        return MISSING if MISSING in parts.values() else Failure(parts.get("id"), parts.get("message"))

    action_fail_source = action_break_replica = failure

    def action_model_fault(self, value: Any, field: str) -> Any:
        if value is True or value is None or value == {}:
            return ModelFault()
        if self.mapping(value, field) is MISSING:
            return MISSING
        self.fields(value, ("message",), f"{field}.")
        message = self.string(value.get("message"), f"{field}.message")
        return MISSING if message is MISSING else ModelFault(message)
