"""What a failing test's report shows of the simulator: the requests its accounts made, newest last."""

from __future__ import annotations

from simulator.testing.sandbox import Account

#: Journal lines shown per account under a failing test.
REPORT_LINES = 40


def journal_lines(sandbox: Account) -> list[str]:
    """One line per request of each of the test's accounts, so a failure shows what the code under test did."""
    lines = []
    for account in sandbox.family():
        entries = account.journal.entries()
        lines.append(f"account {account.account_id} at {account.endpoint}: {len(entries)} requests")
        shown = entries[-REPORT_LINES:]
        if len(entries) > len(shown):
            lines.append(f"  ... {len(entries) - len(shown)} earlier requests")
        lines.extend(_entry_line(e) for e in shown)
    return lines


def _entry_line(e: dict) -> str:
    """One request: seq, time, method and path, status and route, and the fault rule or note that shaped it."""
    path = e["path"] + (f"?{e['query']}" if e.get("query") else "")
    line = f"  #{e['seq']} {e['time']} {e['method']} {path} -> {e['status']} ({e['route']})"
    if e.get("rule"):
        line += f" fault {e['rule']}: {e.get('action') or ''}"
    elif e.get("note"):
        line += f" {e['note']}"
    return line
