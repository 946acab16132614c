"""While a backup runs, databases and users can be read but not changed."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), durations=Durations(backup=100)
    )


@pytest.fixture
async def backing_up(api):
    inst = await api.create_instance(databases=[{"name": "shop"}], users=[{"name": "al", "password": "pw"}])
    status, _, _ = await api.post("/backups", {"backup": {"name": "b1", "instance": inst["id"]}})
    assert status == 202
    return inst


async def test_list_databases_and_users_during_a_backup_is_allowed(api, backing_up):
    assert (await api.get(f"/instances/{backing_up['id']}"))[1]["instance"]["status"] == "BACKUP"
    assert (await api.get(f"/instances/{backing_up['id']}/databases"))[1] == {"databases": [{"name": "shop"}]}
    assert (await api.get(f"/instances/{backing_up['id']}/users/al"))[0] == 200


async def test_create_database_during_a_backup_is_unprocessable(api, backing_up):
    assert_fault(
        await api.post(f"/instances/{backing_up['id']}/databases", {"databases": [{"name": "x1"}]}),
        "unprocessableEntity",
        422,
        f"Instance {backing_up['id']} is not ready, status: BACKUP.",
    )
