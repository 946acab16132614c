"""Recordings for the replay scenarios: one real GET-instance exchange recorded by cdbsim, cloned N times.

The template comes from cdbsim's own recorder (PUT /_sim/replay {"record_mode": "all"}, then GET /_sim/recording),
so the file is exactly what cdbsim writes (HAR 1.2, token replaced by a placeholder). Each copy gets its own
instance id in the URL and the body, so N copies are N different interactions.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from procs import Unavailable, http_call


def record_template(port: int, path: str, headers: dict) -> dict:
    """Record one GET of path on a running cdbsim and return the HAR document holding it."""
    status, body = http_call(port, "PUT", "/_sim/replay", {"record_mode": "all"})
    if status != 200:
        raise Unavailable(f"cdbsim cannot record (PUT /_sim/replay answered {status}: {body[:160]!r})")
    status, _ = http_call(port, "GET", path, headers=headers)
    if status != 200:
        raise Unavailable(f"GET {path} answered {status} while recording")
    status, har = http_call(port, "GET", "/_sim/recording")
    http_call(port, "DELETE", "/_sim/replay")
    if status != 200:
        raise Unavailable(f"GET /_sim/recording answered {status}: {har[:160]!r}")
    document = json.loads(har)
    entries = [e for e in document.get("log", {}).get("entries", []) if e["request"]["method"] == "GET"]
    if not entries:
        raise Unavailable("the recording holds no GET exchange")
    document["log"]["entries"] = entries[-1:]
    return document


def interaction_id(k: int) -> str:
    """The instance id of the k-th copy (deterministic, a valid version-4 UUID)."""
    return str(uuid.UUID(int=k + 1, version=4))


def write_recording(template: dict, instance_id: str, count: int, target: Path) -> Path:
    """A HAR file of count interactions: the template's entry with instance_id replaced by interaction_id(k)."""
    entry_text = json.dumps(template["log"]["entries"][0], separators=(",", ":"))
    if instance_id not in entry_text:
        raise Unavailable("the recorded exchange does not name the instance id")
    pieces = entry_text.split(instance_id)
    head = dict(template)
    head["log"] = {**template["log"], "entries": []}
    outer = json.dumps(head, separators=(",", ":"))
    marker = '"entries":[]'
    before, after = outer.split(marker, 1)
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(before + '"entries":[')
        for k in range(count):
            if k:
                fh.write(",")
            fh.write(interaction_id(k).join(pieces))
        fh.write("]" + after)
    return target


def hit_paths(path_template: str, count: int, limit: int = 10000) -> list[str]:
    """Request paths that hit interactions spread evenly over a recording of count (at most limit of them)."""
    step = max(1, count // limit)
    return [path_template.format(id=interaction_id(k)) for k in range(0, count, step)][:limit]
