"""Pure functions from the reference data (flavors, datastores, versions) to the service's JSON; no I/O."""

from __future__ import annotations

from simulator.reference.catalog import DATASTORES, FLAVORS, Datastore, DatastoreVersion, Flavor
from simulator.views.common import links


def flavor(base: str, account_id: str, f: Flavor) -> dict:
    return {"id": f.id, "links": links(base, account_id, "flavors", f.id), "name": f.name, "ram": f.ram}


def flavors(base: str, account_id: str, items=FLAVORS) -> dict:
    return {"flavors": [flavor(base, account_id, f) for f in items]}


def instance_flavor(base: str, account_id: str, flavor_id: int) -> dict:
    return {"id": str(flavor_id), "links": links(base, account_id, "flavors", flavor_id)}


def datastore_version(base: str, account_id: str, v: DatastoreVersion, with_datastore: bool = False) -> dict:
    body = {
        "id": v.id,
        "name": v.name,
        "links": links(base, account_id, "datastores/versions", v.id),
        "deprecated": v.deprecated,
        "databases_supported": True,
        "users_supported": True,
        "backup_supported": True,
        "scheduled_backup_supported": True,
        "replication_supported": True,
        "ha_supported": True,
        "configurations_supported": True,
        "volumes_supported": True,
        "monitoring_supported": True,
        "at_rest_encryption_supported": v.name.endswith("enc"),
        "flavors": [flavor(base, account_id, f) for f in FLAVORS if f.id in v.flavor_ids],
    }
    if with_datastore:
        body["datastore"] = v.datastore_id
    return body


def datastore(base: str, account_id: str, ds: Datastore) -> dict:
    return {
        "id": ds.id,
        "name": ds.name,
        "default_version": ds.default_version_id,
        "links": links(base, account_id, "datastores", ds.id),
        "versions": [datastore_version(base, account_id, v) for v in ds.versions],
    }


def datastores(base: str, account_id: str) -> dict:
    return {"datastores": [datastore(base, account_id, ds) for ds in DATASTORES]}


def version_document(base: str) -> dict:
    return {
        "id": "v1.0",
        "links": [{"href": f"{base}/v1.0/", "rel": "self"}],
        "status": "CURRENT",
        "updated": "2012-01-01T00:00:00Z",
    }
