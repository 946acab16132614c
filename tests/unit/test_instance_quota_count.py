"""The instance quota check (live_at_least) answers as counting the account's live instances would."""

from simulator.repos.store import Store


def add(repo, instance_id: str, account_id: str, task=None) -> None:
    repo.insert(
        {
            "id": instance_id,
            "account_id": account_id,
            "seq": repo.next_seq(),
            "name": instance_id,
            "status": "ACTIVE",
            "task": task,
        }
    )


def test_live_at_least_matches_count_live():
    repo = Store.open(":memory:").instances
    assert repo.live_at_least("a", 0) and not repo.live_at_least("a", 1)
    for i in range(6):
        add(repo, f"a{i}", "a", task="SHUTDOWN" if i % 3 == 0 else ("BUILD" if i == 1 else None))
        add(repo, f"b{i}", "b")
    repo.db.execute("delete from instances where id in ('b0', 'b1')")
    for account in ("a", "b", "c"):
        live = repo.count_live(account)
        for n in range(-1, 15):
            assert repo.live_at_least(account, n) == (live >= n), (account, n)
