"""The sandbox's web dashboard at /_sim/dashboard: server-side pages (jinja2) of one account's instances, backup
chains, schedules, journal, fault scenarios, clock and coverage, kept live by server-sent events."""

from __future__ import annotations

from simulator.dashboard.routes import register

__all__ = ["register"]
