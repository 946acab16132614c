"""The JSON Schemas of the control plane's bodies and answers, for the OpenAPI document. The control handlers check
their bodies themselves (object_body and the rules each one states), so these describe what they accept."""

from __future__ import annotations

#: Request bodies, by the name an operation's row gives (the document's req_<name>).
REQUESTS: dict[str, dict] = {
    "sim_advance": {
        "type": "object",
        "properties": {"seconds": {"type": "number", "minimum": 0}},
        "required": ["seconds"],
    },
    "sim_set_clock": {
        "type": ["object", "null"],
        "properties": {
            "now": {"type": ["string", "null"], "format": "date-time"},
            "mode": {"enum": ["manual", "real", None]},
        },
    },
    "sim_reset": {"type": ["object", "null"], "properties": {"seed": {"type": ["integer", "null"], "minimum": 0}}},
    "sim_seed": {"type": "object", "properties": {"seed": {"type": "integer", "minimum": 0}}, "required": ["seed"]},
    "sim_snapshot": {
        "type": ["object", "null"],
        "properties": {
            "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 128},
            "account_id": {"type": ["string", "null"]},
        },
    },
    "sim_demo": {
        "type": ["object", "null"],
        "properties": {
            "seed": {"type": "integer", "minimum": 0},
            "accounts": {"type": "integer", "minimum": 1},
            "instances": {"type": "integer", "minimum": 0},
            "chains": {"type": "integer", "minimum": 0},
            "weeks": {"type": "integer", "minimum": 1},
        },
        "additionalProperties": False,
    },
    "sim_account": {
        "type": ["object", "null"],
        "additionalProperties": False,
        "properties": {
            "account_id": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9_-]{1,64}$"},
            "username": {"type": ["string", "null"]},
            "api_key": {"type": ["string", "null"]},
            "password": {"type": ["string", "null"]},
            "role": {"enum": ["dbaas:admin", "dbaas:creator", "dbaas:observer", None]},
            "token": {"type": ["string", "null"]},
            "rate_limits": {"type": ["boolean", "null"]},
        },
    },
    "sim_login": {
        "type": "object",
        "properties": {"user": {"type": "string"}, "password": {"type": "string"}},
        "required": ["user", "password"],
    },
    "sim_scenario": {
        "type": "object",
        "description": (
            "Exactly one of scenario (the scenario as JSON), yaml (its text), name (a shipped scenario) or path "
            "(a file on the server), and optionally account_id; or the scenario itself (an object with rules)."
        ),
    },
    "sim_rate_limits": {"type": "object", "properties": {"enabled": {"type": "boolean"}}, "required": ["enabled"]},
    "sim_replay": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "path": {"type": "string"},
            "har": {"type": "object"},
            "mode": {"enum": ["strict", "fallthrough"]},
            "match": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "record_mode": {"enum": ["none", "once", "all", "new_episodes"]},
            "allow_playback_repeats": {"type": "boolean"},
        },
    },
    "sim_replay_mode": {
        "type": "object",
        "properties": {"mode": {"enum": ["strict", "fallthrough"]}},
        "required": ["mode"],
        "additionalProperties": False,
    },
}

#: The state document GET /_sim/state answers and PUT /_sim/state loads.
STATE_DOCUMENT = {
    "type": "object",
    "properties": {
        "format": {"const": "cdbsim-state"},
        "version": {"const": 1},
        "account_id": {"type": ["string", "null"]},
        "written_by": {"type": "string"},
        "tables": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object"}}},
    },
    "required": ["format", "version", "tables"],
    "additionalProperties": False,
}
REQUESTS["sim_state"] = STATE_DOCUMENT

#: Answers the control plane shares (response components).
RESPONSES: dict[str, dict] = {
    "StateDocument": STATE_DOCUMENT,
    "Health": {
        "type": "object",
        "properties": {
            "status": {"const": "ok"},
            "version": {"type": "string"},
            "uptime_seconds": {"type": "number"},
            "state": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "ok": {"const": True}},
                "required": ["path", "ok"],
            },
        },
        "required": ["status", "version", "uptime_seconds", "state"],
    },
    "Clock": {
        "type": "object",
        "properties": {
            "clock": {
                "type": "object",
                "properties": {"mode": {"type": "string"}, "now": {"type": "string"}, "epoch": {"type": "number"}},
                "required": ["mode", "now", "epoch"],
                "additionalProperties": False,
            }
        },
        "required": ["clock"],
        "additionalProperties": False,
    },
    "Credentials": {
        "type": "object",
        "properties": {
            "account_id": {"type": "string"},
            "username": {"type": "string"},
            "api_key": {"type": "string"},
            "password": {"type": "string"},
            "role": {"type": "string"},
            "token": {"type": ["string", "null"]},
            "user_id": {"type": "string"},
        },
        "required": ["account_id", "username", "api_key", "password", "role", "token", "user_id"],
        "additionalProperties": False,
    },
    "JournalEntry": {
        "type": "object",
        "required": ["seq", "method", "path", "status"],
        "properties": {
            "seq": {"type": "integer"},
            "account_id": {"type": ["string", "null"]},
            "time": {"type": "string"},
            "method": {"type": "string"},
            "path": {"type": "string"},
            "query": {"type": ["string", "null"]},
            "route": {"type": ["string", "null"]},
            "status": {"type": "integer"},
            "rule": {"type": ["string", "null"]},
            "action": {"type": ["string", "null"]},
            "note": {"type": ["string", "null"]},
            "lifecycle": {
                "description": "The lifecycle transitions the request carried out (what each resource showed before "
                "and after; null before: created, null after: gone).",
                "type": ["array", "null"],
                "items": {
                    "type": "object",
                    "properties": {
                        "account_id": {"type": ["string", "null"]},
                        "kind": {"enum": ["instance", "backup", "ha"]},
                        "resource_id": {"type": "string"},
                        "before": {"type": ["string", "null"]},
                        "after": {"type": ["string", "null"]},
                        "detail": {"type": "object"},
                    },
                    "required": ["kind", "resource_id", "before", "after"],
                },
            },
            "duration_ms": {"type": "number"},
            "request": {"type": ["object", "null"]},
            "response": {"type": ["object", "null"]},
        },
    },
}


def keyed(key: str, schema: dict) -> dict:
    """The schema of {key: <schema>}."""
    return {"type": "object", "properties": {key: schema}, "required": [key]}


OBJECT: dict = {"type": "object"}
SNAPSHOT = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "account_id": {"type": ["string", "null"]},
        "taken_at": {"type": "string"},
        "rows": {"type": ["integer", "null"]},
    },
    "required": ["name", "account_id", "taken_at", "rows"],
    "additionalProperties": False,
}
CLEARED = {
    "type": "object",
    "properties": {
        "cleared": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "account_id": {"type": ["string", "null"]},
                    "hits": {"type": ["integer", "object"]},
                },
                "required": ["name", "account_id", "hits"],
            },
        },
        "unused_rules": {"type": "array", "items": {"type": ["object", "string"]}},
    },
    "required": ["cleared", "unused_rules"],
}
#: The journal's filters (GET /journal, /journal/har and, but limit, /journal/count: control/journal_filters.py).
JOURNAL_QUERY = ("account_id", "method", "route", "status", "path", "since", "until", "faulted", "limit")
#: One of the closest misses of a journal count of zero: the entry without its exchange, and what differed.
NEAR_MISS = {
    "type": "object",
    "properties": {
        "seq": {"type": "integer"},
        "account_id": {"type": ["string", "null"]},
        "time": {"type": "string"},
        "method": {"type": "string"},
        "path": {"type": "string"},
        "route": {"type": ["string", "null"]},
        "status": {"type": "integer"},
        "rule": {"type": ["string", "null"]},
        "differs": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {"wanted": {}, "was": {}},
                "required": ["wanted", "was"],
            },
        },
    },
    "required": ["seq", "method", "path", "status", "differs"],
}
