"""Store.atomic: all or nothing, and a failing nested block undoes only its own writes."""

import pytest

from simulator.repos.store import Store


def names(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute("select key from meta where key like 'k%' order by key").fetchall()]


def put(store: Store, key: str) -> None:
    store.db.execute("insert into meta (key, value) values (?, '')", [key])


def test_a_failing_nested_block_undoes_only_its_own_writes():
    store = Store.open(":memory:")
    with store.atomic():
        put(store, "k1")
        with pytest.raises(ValueError), store.atomic():
            put(store, "k2")
            with store.atomic():
                put(store, "k3")
            raise ValueError
        put(store, "k4")
    assert names(store) == ["k1", "k4"]
    assert not store.db.conn.in_transaction


def test_a_failing_outer_block_undoes_everything():
    store = Store.open(":memory:")
    with pytest.raises(ValueError), store.atomic():
        put(store, "k1")
        with store.atomic():
            put(store, "k2")
        raise ValueError
    assert names(store) == []
    assert not store.db.conn.in_transaction
