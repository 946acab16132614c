"""The queries that keep a request's cost independent of the state's size (issue 25) answer as the whole-table
forms they replaced: the users page cut in SQL, the database lookups by name, the capped database count and the
backup counter the triggers keep."""

import random

from support import found

from simulator.repos.store import Store


def full_sort_page(users: list[dict], limit: int, marker: str | None) -> list[str]:
    """What the users page was before: every user sorted by name@host in Python, then cut after marker."""
    keys = sorted(f"{u['name']}@{u['host']}" for u in users)
    return [k for k in keys if marker is None or k > marker][:limit]


def test_users_page_matches_sorting_every_user_in_python():
    repo = Store.open(":memory:").instances
    rng = random.Random(7)
    names = ["a", "a_b", "ab", "b", "zz", "A", "user1", "user10", "user2", "é", "ü_x"]
    users = []
    for name in names:
        for host in rng.sample(["%", "10.0.0.1", "localhost", "a.b"], 2):
            granted = ["db1"] if host == "%" else []
            users.append({"name": name, "host": host, "password_hash": "x", "databases": granted})
    repo.insert_users("i1", users)
    repo.insert_users("i2", [{"name": "other", "host": "%", "password_hash": "x", "databases": []}])
    markers = [None] + [f"{u['name']}@{u['host']}" for u in users] + ["a", "zzz", "user1@"]
    for limit in (1, 3, 100):
        for marker in markers:
            page = repo.users_page("i1", limit, marker)
            assert [f"{u['name']}@{u['host']}" for u in page] == full_sort_page(users, limit, marker)
    first = repo.users_page("i1", 100, None)
    assert {(u["name"], u["host"]): u["databases"] for u in first} == {
        (u["name"], u["host"]): u["databases"] for u in users
    }


def test_database_lookups_by_name_and_the_capped_count():
    repo = Store.open(":memory:").instances
    repo.insert_databases([{"instance_id": "i1", "name": f"db{k}"} for k in range(30)])
    repo.insert_databases([{"instance_id": "i2", "name": "db1"}])
    assert repo.database_names("i1", among=["db1", "db29", "nope", "db1"]) == {"db1", "db29"}
    assert repo.database_names("i1", among=[]) == set()
    assert repo.database_names("i3", among=["db1"]) == set()
    assert len(repo.database_names("i1")) == 30
    assert repo.database_count("i1", at_most=1000) == 30
    assert repo.database_count("i1", at_most=5) == 5
    assert repo.database_count("i2", at_most=5) == 1


def backup(account_id: str, backup_id: str, seq: int) -> dict:
    return {
        "id": backup_id,
        "account_id": account_id,
        "seq": seq,
        "name": backup_id,
        "status": "COMPLETED",
        "backup_type": "full",
        "updated": "2026-01-01T00:00:00",
    }


def counted(store: Store, account_id: str) -> int:
    return store.db.execute("select count(*) from backups where account_id = ?", [account_id]).fetchone()[0]


def test_backup_counter_follows_inserts_deletes_moves_and_account_row_sets():
    store = Store.open(":memory:")
    repo = store.backups
    for k in range(7):
        repo.insert(backup("a" if k % 3 else "b", f"b{k}", k + 1))
    repo.delete(["b1", "b3"])
    store.db.execute("update backups set account_id = 'c' where id = 'b2'")
    for account in ("a", "b", "c", "nobody"):
        assert repo.count(account) == counted(store, account), account
    rows = store.state.account_rows("a")
    store.state.delete_account_rows("a")
    assert repo.count("a") == 0
    store.state.replace_account_rows("a", rows)
    assert repo.count("a") == counted(store, "a") == len(rows["backups"])
    store.state.wipe()
    assert [repo.count(a) for a in ("a", "b", "c")] == [0, 0, 0]


def test_backup_counter_is_built_from_rows_written_before_it_existed(tmp_path):
    path = str(tmp_path / "old.db")
    store = Store.open(path)
    for k in range(4):
        store.backups.insert(backup("a", f"b{k}", k + 1))
    store.db.execute("drop trigger backup_counts_insert")
    store.db.execute("drop trigger backup_counts_delete")
    store.db.execute("drop trigger backup_counts_move")
    store.db.execute("drop table _backup_counts")
    store.db.execute("delete from _sqlite_migrations where name = 'keep_backup_counts'")
    store.close()
    reopened = Store.open(path)
    assert reopened.backups.count("a") == 4
    reopened.backups.insert(backup("a", "b9", 9))
    assert reopened.backups.count("a") == 5


def insert_chain(repo, prefix: str, length: int) -> list[str]:
    """Backups prefix0 (a full one) ... of account "a", each the parent of the next; their ids, oldest first."""
    ids = [f"{prefix}{k}" for k in range(length)]
    for k, backup_id in enumerate(ids):
        repo.insert({**backup("a", backup_id, k + 1), "parent_id": ids[k - 1] if k else None})
    return ids


def test_chain_links_come_in_one_query_and_a_broken_or_looping_chain_has_none():
    from simulator.backend.chains import links

    store = Store.open(":memory:")
    repo = store.backups
    ids = insert_chain(repo, "b", 5)
    repo.insert({**backup("other", "x", 9), "parent_id": None})
    assert [b["id"] for b in links(repo, found(repo.get("a", "b4"))) or []] == ids
    assert [b["id"] for b in links(repo, found(repo.get("a", "b0"))) or []] == ["b0"]
    store.db.execute("update backups set parent_id = 'x' where id = 'b0'")  # another account's backup
    assert links(repo, found(repo.get("a", "b4"))) is None
    store.db.execute("update backups set parent_id = 'b3' where id = 'b0'")  # a loop
    assert links(repo, found(repo.get("a", "b4"))) is None
    store.db.execute("update backups set parent_id = 'gone' where id = 'b0'")
    assert links(repo, found(repo.get("a", "b2"))) is None


def test_chain_links_are_read_once_each_and_a_loop_above_the_leaf_ends_the_walk():
    """ancestry walks the parents it read: each link once, child first, stopping where a parent was seen already."""
    store = Store.open(":memory:")
    repo = store.backups
    ids = insert_chain(repo, "c", 60)
    walked = repo.ancestry("a", "c59")
    assert [link["id"] for link in walked] == ids[::-1] and walked[-1]["parent_id"] is None
    store.db.execute("update backups set parent_id = 'c40' where id = 'c10'")  # c40 -> ... -> c10 -> c40
    walked = repo.ancestry("a", "c59")
    assert [link["id"] for link in walked] == ids[59:9:-1] and walked[-1]["parent_id"] == "c40"
    assert repo.ancestry("a", "nothing") == [] and repo.ancestry("other", "c59") == []
