"""The `openstack database ...` CLI, unmodified, against the running simulator (each call costs about a second)."""

from __future__ import annotations

BAD_TOKEN = "The supplied token is not authorized to access the resources, either it's expired or invalid."


def create_active_instance(sim, cli, name: str) -> str:
    """`instance create`, which answers BUILD, then `instance show` as the clock moves until ACTIVE."""
    created = cli.json(
        "database",
        "instance",
        "create",
        name,
        "--flavor",
        "1",
        "--size",
        "2",
        "--datastore",
        "mysql",
        "--datastore-version",
        "5.6",
    )
    assert created["status"] == "BUILD"
    assert (created["name"], created["flavor"], created["volume"]) == (name, "1", 2)
    assert (created["datastore"], created["datastore_version"]) == ("mysql", "5.6")
    active = cli.wait_for(sim, "instance", created["id"], "ACTIVE")
    assert active["hostname"]
    return created["id"]


def add_database_and_user(cli, instance_id: str) -> None:
    """`db create`, `user create --databases`, then both lists show them."""
    cli.ok("database", "db", "create", instance_id, "orders")
    cli.ok("database", "user", "create", instance_id, "alice", "s3cret-pw", "--databases", "orders")
    databases, users = cli.json_all(("database", "db", "list", instance_id), ("database", "user", "list", instance_id))
    assert databases == [{"Name": "orders"}]
    assert users == [{"Name": "alice", "Host": "%", "Databases": "orders"}]


def test_instance_lifecycle_with_admin_token(sim, account, token_cli):
    flavors = token_cli.json("database", "flavor", "list")
    assert [(f["ID"], f["Name"], f["RAM"]) for f in flavors][:2] == [
        (1, "512MB Instance", 512),
        (2, "1GB Instance", 1024),
    ]
    assert [f["ID"] for f in flavors] == list(range(1, 9))

    instance_id = create_active_instance(sim, token_cli, "cli-db")
    add_database_and_user(token_cli, instance_id)

    token_cli.ok("database", "instance", "resize", "flavor", instance_id, "3")
    assert sim.raw("GET", account, f"/instances/{instance_id}")[1]["instance"]["status"] == "RESIZE"
    assert token_cli.wait_for(sim, "instance", instance_id, "ACTIVE")["flavor"] == "3"

    token_cli.ok("database", "instance", "restart", instance_id)
    assert sim.raw("GET", account, f"/instances/{instance_id}")[1]["instance"]["status"] == "REBOOT"
    sim.advance(60)

    out = token_cli.ok("database", "instance", "delete", instance_id)
    assert f"Request to delete database instance {instance_id} has been accepted." in out
    assert sim.raw("GET", account, f"/instances/{instance_id}")[1]["instance"]["status"] == "SHUTDOWN"
    sim.advance(60)
    # Gone: a second delete reaches the API by id and prints the 404 fault's message.
    out = token_cli.fails("database", "instance", "delete", instance_id)
    assert f"Resource {instance_id} cannot be found. (HTTP 404)" in out


def test_instance_lifecycle_through_identity_v2password(sim, account, password_cli):
    cli = password_cli(account)
    assert len(cli.json("database", "flavor", "list")) == 8
    instance_id = create_active_instance(sim, cli, "cli-v2")
    add_database_and_user(cli, instance_id)
    cli.ok("database", "instance", "delete", instance_id)
    sim.advance(60)
    assert sim.raw("GET", account, f"/instances/{instance_id}")[0] == 404


def test_command_help_names_its_plugin_distribution_as_a_lone_openstack_process_does(token_cli):
    # The zygote computes cliff's module -> distribution map once (cli_zygote.prime_cliff_distributions); the help
    # epilog built from it must read as `openstack ... --help` run on its own prints it.
    assert (
        token_cli.ok("database", "instance", "list", "--help")
        .rstrip()
        .endswith("This command is provided by the python-troveclient plugin.")
    )


def test_flavor_list_with_unknown_token_is_unauthorized(token_cli):
    token_cli.env["OS_TOKEN"] = "not-a-token"
    assert f"{BAD_TOKEN} (HTTP 401)" in token_cli.fails("database", "flavor", "list")


def test_v2password_with_wrong_password_is_unauthorized(account, password_cli):
    # keystoneauth reads keystone-style error bodies only; it still fails with the identity's 401.
    assert "(HTTP 401)" in password_cli(account, password="wrong").fails("database", "flavor", "list")


def test_instance_list_with_another_accounts_token_is_forbidden(sim, account, token_cli):
    other = sim.new_account()
    token_cli.env["OS_TOKEN"] = other.token
    out = token_cli.fails("database", "instance", "list")
    assert f"User with tenant id {other.account_id} cannot access this resource. (HTTP 403)" in out
