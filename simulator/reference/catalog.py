"""Reference data: the documented flavors, datastores and backup vocabulary (read-only, so plain constants)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.errors import BadRequest, ItemNotFound


@dataclass(frozen=True)
class Flavor:
    id: int
    name: str
    ram: int


FLAVORS = tuple(
    Flavor(i + 1, name, ram)
    for i, (name, ram) in enumerate(
        [
            ("512MB Instance", 512),
            ("1GB Instance", 1024),
            ("2GB Instance", 2048),
            ("4GB Instance", 4096),
            ("8GB Instance", 8192),
            ("16GB Instance", 16384),
            ("32GB Instance", 32768),
            ("64GB Instance", 65536),
        ]
    )
)
_FLAVORS_BY_ID = {f.id: f for f in FLAVORS}


@dataclass(frozen=True)
class DatastoreVersion:
    id: str
    name: str
    datastore_id: str
    datastore_name: str
    deprecated: bool = False
    flavor_ids: tuple[int, ...] = tuple(range(1, 9))


@dataclass(frozen=True)
class Datastore:
    id: str
    name: str
    default_version_id: str
    versions: tuple[DatastoreVersion, ...]


def _ds(ds_id: str, name: str, default: str, versions: list[tuple[str, str, bool]]) -> Datastore:
    return Datastore(
        ds_id, name, default, tuple(DatastoreVersion(vid, vname, ds_id, name, dep) for vid, vname, dep in versions)
    )


#: Current documented ids, plus MySQL 5.6 with its classic id (the seed page's backups are 5.6).
DATASTORES = (
    _ds(
        "749239dc-4805-4d9c-a5c3-3befee6e572f",
        "mysql",
        "0b058cca-ed2b-46e7-8736-abbb4242df83",
        [
            ("c00000b0-00c0-0c00-00c0-000b000000cc", "5.6", True),
            ("564490bd-ddb9-4d84-a714-868370e36f48", "5.7", False),
            ("0b058cca-ed2b-46e7-8736-abbb4242df83", "8.0", False),
        ],
    ),
    _ds(
        "379f9efc-d029-424a-a6b3-d14bda630150",
        "percona",
        "a831457a-a8fd-4053-b9e8-b90724af78b1",
        [
            ("e8b1ee46-58c9-459e-bb02-50ddc8844be7", "5.6", True),
            ("a831457a-a8fd-4053-b9e8-b90724af78b1", "5.7", False),
            ("4f3c2b1a-7d6e-4c5b-9a8f-0e1d2c3b4a59", "8.0", False),
        ],
    ),
    _ds(
        "17fe6921-f660-450e-bf90-8a6bd33a0cee",
        "mariadb",
        "e3b358bb-9bc0-42a8-be95-6ebd6c437ef7",
        [
            ("e3b358bb-9bc0-42a8-be95-6ebd6c437ef7", "10.4", False),
            ("8a63ae1a-7832-499f-9be9-9e95819bf9f0", "10.4enc", False),
        ],
    ),
)
DEFAULT_DATASTORE = DATASTORES[0]


#: What the API calls a backup's kind (its `type`): the xtrabackup strategy that took it. The model keeps its own
#: words (full, incremental), which the dashboard and coverage show.
BACKUP_TYPE_NAMES = {"full": "InnoBackupEx", "incremental": "InnoBackupExIncremental"}
#: Where a COMPLETED backup is kept in Cloud Files (its locationRef); {region} is the region in lower case.
BACKUP_LOCATION = (
    "https://snet-storage101.{region}1.clouddrive.com/v1/MossoCloudFS_{account_id}/"
    "z_CLOUDDB_BACKUPS/{backup_id}.xbstream.gz"
)


def get_flavor(flavor_ref) -> Flavor:
    """A flavor from an int, a numeric string or an href ending in /flavors/<id>; 404 otherwise."""
    flavor_id = parse_flavor_ref(flavor_ref)
    if flavor_id is None or flavor_id not in _FLAVORS_BY_ID:
        raise ItemNotFound(f"Resource {flavor_ref} cannot be found.")
    return _FLAVORS_BY_ID[flavor_id]


def parse_flavor_ref(flavor_ref) -> int | None:
    """The integer id inside a flavorRef, or None if it has none."""
    if isinstance(flavor_ref, bool):
        return None
    if isinstance(flavor_ref, int):
        return flavor_ref
    if isinstance(flavor_ref, float):
        return int(flavor_ref) if math.isfinite(flavor_ref) else None
    if isinstance(flavor_ref, str):
        tail = flavor_ref.rstrip("/").rsplit("/", 1)[-1]
        try:
            return int(tail)
        except ValueError:
            try:
                number = float(tail)
            except ValueError:
                return None
            return int(number) if math.isfinite(number) else None
    return None


def get_datastore(id_or_name: str) -> Datastore:
    """A datastore by id or (case-insensitive) name; 404 otherwise."""
    key = str(id_or_name).lower()
    for ds in DATASTORES:
        if ds.id == key or ds.name == key:
            return ds
    raise ItemNotFound(f"Datastore '{id_or_name}' cannot be found.")


def get_version(datastore: Datastore, id_or_name: str) -> DatastoreVersion:
    """A version of datastore by id or name; 404 otherwise."""
    key = str(id_or_name).lower()
    for version in datastore.versions:
        if version.id == key or version.name == key:
            return version
    raise ItemNotFound(f"Datastore version '{id_or_name}' cannot be found.")


def find_version(version_id: str) -> DatastoreVersion:
    """A version by its id alone; 404 otherwise."""
    for ds in DATASTORES:
        for version in ds.versions:
            if version.id == version_id:
                return version
    raise ItemNotFound(f"Datastore version '{version_id}' cannot be found.")


def resolve_datastore(type_name: str | None, version_name: str | None) -> DatastoreVersion:
    """The version an instance create asks for, with Trove's defaults and 400s."""
    try:
        datastore = get_datastore(type_name) if type_name else DEFAULT_DATASTORE
    except ItemNotFound as exc:
        raise ItemNotFound(exc.message) from None
    if not version_name:
        return get_version(datastore, datastore.default_version_id)
    try:
        return get_version(datastore, version_name)
    except ItemNotFound:
        raise BadRequest(f"Datastore version '{version_name}' cannot be found.") from None
