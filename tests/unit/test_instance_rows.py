"""A new instance row's id and seq, and what replace_contents leaves on an instance (the restore's build end)."""

import pytest
from support import INSTANCE_SPEC, found, make_backend

from simulator.repos.ha import LINK_COLUMNS
from simulator.repos.instances import DUE_COLUMNS, FIRST_DUE

CONTENTS = {
    "databases": {"new_db": {"character_set": "utf8", "collate": "utf8_general_ci"}},
    "users": {"u2@%": {"name": "u2", "host": "%", "password_hash": "h", "databases": ["new_db"]}},
}


def test_a_taken_id_is_drawn_again_and_the_seq_follows_the_last():
    backend = make_backend()
    first = backend.instances.create("1", INSTANCE_SPEC)
    repo = backend.store.instances
    draws = iter([first["id"], "00000000-0000-4000-8000-000000000001"])
    assert repo.fresh_id_and_seq(lambda: next(draws)) == ("00000000-0000-4000-8000-000000000001", 2)


def test_replace_contents_on_an_instance_holding_some_leaves_exactly_the_new_ones():
    backend = make_backend()
    instance_id = backend.instances.create("1", INSTANCE_SPEC)["id"]
    repo = backend.store.instances
    repo.insert_databases([{"instance_id": instance_id, "name": "old_db", "character_set": "utf8", "collate": "x"}])
    repo.insert_users(instance_id, [{"name": "u1", "host": "%", "password_hash": "h", "databases": ["old_db"]}])
    assert repo.holds_anything(instance_id)
    repo.replace_contents(instance_id, CONTENTS)
    assert repo.contents(instance_id) == CONTENTS


def test_replace_contents_on_an_empty_instance_writes_the_contents():
    backend = make_backend()
    instance_id = backend.instances.create("1", INSTANCE_SPEC)["id"]
    repo = backend.store.instances
    assert not repo.holds_anything(instance_id)
    repo.replace_contents(instance_id, CONTENTS)
    assert repo.contents(instance_id) == CONTENTS
    assert repo.holds_anything(instance_id)


def test_replace_contents_writes_more_rows_than_one_statement_takes_and_users_without_grants():
    """Past sql.BATCH rows a table's rows go in batches; a user granted nothing has no grant row, and contents with
    users but no databases (or neither) write just those."""
    backend = make_backend()
    repo = backend.store.instances
    many: dict[str, dict] = {
        "databases": {f"db{n:03}": {"character_set": "utf8", "collate": "utf8_bin"} for n in range(250)},
        "users": {
            f"u{n:03}@%": {"name": f"u{n:03}", "host": "%", "password_hash": f"h{n}", "databases": [f"db{n:03}"]}
            for n in range(230)
        }
        | {"lone@10.0.0.1": {"name": "lone", "host": "10.0.0.1", "password_hash": "h", "databases": []}},
    }
    users_only: dict[str, dict] = {"databases": {}, "users": {"lone@%": many["users"]["lone@10.0.0.1"] | {"host": "%"}}}
    nothing: dict[str, dict] = {"databases": {}, "users": {}}
    for contents in (many, users_only, nothing):
        instance_id = backend.instances.create("1", INSTANCE_SPEC)["id"]
        repo.replace_contents(instance_id, contents)
        assert repo.contents(instance_id) == contents
        grants = backend.store.db.conn.execute("select count(*) from grants where instance_id = ?", [instance_id])
        assert grants.fetchone()[0] == sum(len(u["databases"]) for u in contents["users"].values())


def test_the_due_instance_is_found_along_an_index_without_a_sort():
    backend = make_backend()
    plan = backend.store.db.conn.execute("explain query plan " + FIRST_DUE, [0.0]).fetchall()
    assert [step[3] for step in plan] == ["SEARCH instances USING INDEX instances_due (task_until>? AND task_until<?)"]


def test_builds_ending_at_the_same_moment_end_in_creation_order():
    backend = make_backend()
    ids = [backend.instances.create("1", {**INSTANCE_SPEC})["id"] for _ in range(3)]
    repo = backend.store.instances
    until = found(repo.get("1", ids[0]))["task_until"]
    backend.store.db.conn.execute("update instances set task_until = ?", [until])  # all three end together
    due = repo.first_due(until)
    assert due is not None
    assert (due["id"], tuple(due)) == (ids[0], DUE_COLUMNS)


LINK_LOOKUPS = [
    "select * from instances where replica_of = ? order by seq",
    "select id, name, replica_of from instances where replica_of in (?, ?) order by seq",
    "select distinct replica_of from instances where replica_of is not null",
    "select * from instances where ha_id = ? order by seq",
    "select count(*) from instances where configuration_id = ? and account_id = ?",
]


@pytest.mark.parametrize("query", LINK_LOOKUPS)
def test_link_column_indexes_hold_only_linked_instances_and_serve_their_lookups(query):
    """The configuration, replica-source and HA-group indexes are partial (no NULL entry), and a lookup by value still
    searches its column's index."""
    backend = make_backend()
    conn = backend.store.db.conn
    backend.instances.create("1", INSTANCE_SPEC)
    for column in LINK_COLUMNS:
        (text,) = conn.execute("select sql from sqlite_master where name = ?", [f"idx_instances_{column}"]).fetchone()
        assert text.endswith(f"where {column} is not null")
    params = ["x"] * query.count("?")
    plan = " ".join(row[3] for row in conn.execute("explain query plan " + query, params))
    column = next(c for c in LINK_COLUMNS if c in query)
    assert f"INDEX idx_instances_{column} ({column}" in plan, plan
