"""The sandbox's web dashboard at /_sim/dashboard: server-side pages (jinja2) of one account in one region (what it
holds in every region alongside): instances, HA groups, replica sets, configuration groups, backup chains and
schedules, with the account's paged journal, fault scenarios, clock and coverage, kept live by server-sent events.
docs/dashboard.md says what each panel shows."""

from __future__ import annotations

from simulator.dashboard.routes import register

__all__ = ["register"]
