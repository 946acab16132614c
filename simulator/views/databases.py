"""Pure functions from database users to the service's JSON; no I/O."""

from __future__ import annotations


def user(u: dict) -> dict:
    return {"name": u["name"], "host": u["host"], "databases": [{"name": d} for d in u["databases"]]}
