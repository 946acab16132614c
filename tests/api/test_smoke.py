"""A first end-to-end pass through the pipeline."""

from support import assert_fault


async def test_create_instance_then_show_is_active(api):
    created = await api.create_instance(databases=[{"name": "shop"}])
    status, body, _ = await api.get(f"/instances/{created['id']}")
    assert status == 200
    assert body["instance"]["status"] == "ACTIVE"
    status, body, _ = await api.get(f"/instances/{created['id']}/databases")
    assert body == {"databases": [{"name": "shop"}]}


async def test_show_instance_unknown_is_item_not_found(api):
    assert_fault(await api.get("/instances/nope"), "itemNotFound", 404, "Resource nope cannot be found.")
