"""A new instance row's id and seq, and what replace_contents leaves on an instance (the restore's build end)."""

from support import INSTANCE_SPEC, make_backend

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
