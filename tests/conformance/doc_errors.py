"""Where the API reference contradicts itself, what the conformance test follows instead, and why.

STATUS: operations whose response-code table and examples disagree, with the status followed (what the examples,
Trove and python-troveclient agree on). The test checks that every such operation is listed here.

DOC_ERRORS: by (operation title, example title) as in documented_examples.json: `ignore` names key paths not
compared (nor their values), `values` paths whose types are compared but not their values, `status` the status of
an example that answers another call, `fix` rewrites the documented body before comparing; each with its reason."""

from __future__ import annotations

_TABLE_SAYS_200 = "the table says 200; the example answers 202, as Trove does and troveclient expects"

STATUS: dict[str, tuple[int, str]] = {
    "List version details": (200, "the table says 202; the example (and every client) has 200 for a GET"),
    "Delete configuration group": (202, _TABLE_SAYS_200),
    "Create backup": (202, _TABLE_SAYS_200),
    "Create backup for an HA instance": (202, _TABLE_SAYS_200),
    "Modify user attributes": (202, _TABLE_SAYS_200),
    "Replace all configuration parameters": (202, _TABLE_SAYS_200),
    "Update database instance": (202, _TABLE_SAYS_200),
    "Update schedule for backups by schedule ID": (202, _TABLE_SAYS_200),
}

_HA_NODE_LINKS = (
    "the 2015 HA examples show a node's `links` and `flavor.links` as an empty object {}; every other instance view "
    "(the same page's replica_of links included) has the self/bookmark list, which troveclient's Instance reads"
)
_NODE_LINKS = {
    f".ha_instance.{role}[].{path}": _HA_NODE_LINKS
    for role in ("replica_source", "replicas")
    for path in ("links", "flavor.links")
}

DOC_ERRORS: dict[tuple[str, str], dict] = {
    ("List backups for instance", "list backups for instance"): {
        "fix": lambda doc: {"backups": [doc["backup"]]},
        "reason": "a list call whose example is one object under `backup`; the service, Trove and troveclient's "
        "instances.backups() use the list `backups`, so the example's object is compared with each item",
    },
    ("List HA database instance details", "list ha database instance details"): {
        "ignore": _NODE_LINKS,
        "reason": _HA_NODE_LINKS,
    },
    (
        "Attach configuration group to HA instance",
        "list ha database instance details after configuration group attached",
    ): {
        "status": 200,
        "ignore": _NODE_LINKS,
        "reason": "the example is the answer of GET /ha/{haId} after the attach (200), not of the PATCH (202); "
        + _HA_NODE_LINKS,
    },
    ("Convert replication setup to HA", "convert replication setup to ha"): {
        "ignore": _NODE_LINKS,
        "values": {
            ".ha_instance.replica_source[].status": "the page says the nodes switch to CONVERT_TO_HA while they "
            "are prepared; its example shows them ACTIVE",
            ".ha_instance.replicas[].status": "as for the source",
        },
        "reason": "HA node links as elsewhere; the nodes' status follows the page's own note",
    },
    ("Create scheduled backup", "create scheduled backup with copy to"): {
        "ignore": {
            ".schedule.running": "the two create examples disagree (2014: false, 2020: 0); the simulator keeps the "
            "boolean, which both clients only test for truth",
        },
        "reason": "`running` is a boolean in one example and a number in the other",
    },
}
