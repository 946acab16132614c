"""`openstack database backup ...` and restore with `instance create --backup`, unmodified (about a second a call)."""

from __future__ import annotations


def test_backup_incremental_restore_and_cascade_delete(sim, account, token_cli):
    src = token_cli.json(
        "database",
        "instance",
        "create",
        "src-db",
        "--flavor",
        "1",
        "--size",
        "2",
        "--datastore",
        "mysql",
        "--datastore-version",
        "5.6",
    )["id"]
    token_cli.wait_for(sim, "instance", src, "ACTIVE")
    # The databases the backups should hold are arranged over plain HTTP (the CLI's db commands are
    # covered in test_openstack_cli.py).
    assert sim.raw("POST", account, f"/instances/{src}/databases", {"databases": [{"name": "orders"}]})[0] == 202

    full = token_cli.json("database", "backup", "create", "nightly", "--instance", src, "--description", "pre-restore")
    assert (full["status"], full["instance_id"], full["description"]) == ("NEW", src, "pre-restore")
    # 409: restoring from a backup that is still running fails with the fault's message.
    state = sim.raw("GET", account, f"/backups/{full['id']}")[1]["backup"]["status"]
    out = token_cli.fails(
        "database", "instance", "create", "too-early", "--flavor", "1", "--size", "2", "--backup", full["id"]
    )
    assert (
        f"Unable to create instance because backup {full['id']} is not completed. Actual state: {state}. (HTTP 409)"
    ) in out
    assert token_cli.wait_for(sim, "backup", full["id"], "COMPLETED")["locationRef"]

    assert sim.raw("POST", account, f"/instances/{src}/databases", {"databases": [{"name": "stock"}]})[0] == 202
    inc = token_cli.json("database", "backup", "create", "hourly", "--instance", src, "--incremental")
    assert inc["parent_id"] == full["id"]
    token_cli.wait_for(sim, "backup", inc["id"], "COMPLETED")

    from_full, from_inc = token_cli.json_all(
        *[
            ("database", "instance", "create", name, "--flavor", "1", "--size", "2", "--backup", backup["id"])
            for name, backup in (("from-full", full), ("from-inc", inc))
        ]
    )
    assert (from_full["name"], from_inc["name"]) == ("from-full", "from-inc")
    assert from_full["status"] == from_inc["status"] == "BUILD"
    sim.advance(600)  # restore takes longer than a plain create; both are ACTIVE well before this
    for restored in (from_full, from_inc):
        assert sim.raw("GET", account, f"/instances/{restored['id']}")[1]["instance"]["status"] == "ACTIVE"
    full_dbs, inc_dbs = token_cli.json_all(
        ("database", "db", "list", from_full["id"]), ("database", "db", "list", from_inc["id"])
    )
    assert full_dbs == [{"Name": "orders"}]
    assert inc_dbs == [{"Name": "orders"}, {"Name": "stock"}]

    token_cli.ok("database", "backup", "delete", full["id"])
    # The cascade: the incremental child went with its parent.
    assert token_cli.json("database", "backup", "list") == []
    assert sim.raw("GET", account, f"/backups/{inc['id']}")[0] == 404


def test_flavor_list_over_rate_limit_is_refused(sim, password_cli):
    account = sim.new_account(rate_limits=True)
    for _ in range(100):  # use up the documented 100 GET /flavors a minute
        assert sim.raw("GET", account, "/flavors")[0] == 200
    out = password_cli(account).fails("database", "flavor", "list")
    assert "This request was rate-limited. (HTTP 413)" in out
    status, body, headers = sim.raw("GET", account, "/flavors")
    assert status == 413 and 0 < int(headers["Retry-After"]) <= 60
    assert body["overLimit"]["retryAfter"] == headers["Retry-After"]
