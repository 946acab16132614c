"""validate()'s compiled checks accept exactly the bodies jsonschema's Draft4Validator accepts (so skipping
jsonschema for a valid body changes no answer)."""

import copy
import random
from typing import Any

import pytest

from simulator.backend import schemas
from simulator.backend.schemas.check import Validator
from simulator.errors import BadRequest

SAMPLES = {
    "instance_create": {
        "instance": {
            "name": "json_restore",
            "flavorRef": 1,
            "volume": {"size": 2, "type": "SSD"},
            "restorePoint": {"backupRef": "61f12fef-edb1-4561-8122-e7c00ef26a82"},
            "datastore": {"type": "mysql", "version": "5.7"},
            "configuration": "c",
            "databases": [{"name": "db1", "character_set": "utf8", "collate": "utf8_general_ci"}],
            "users": [{"name": "u", "password": "p1", "host": "%", "databases": [{"name": "db1"}]}],
        }
    },
    "instance_update": {
        "instance": {
            "name": "n",
            "configuration": None,
            "replica_of": "x",
            "slave_of": None,
            "datastore_version": "8.0",
        }
    },
    "action": {"restart": {}},
    "restart": {"restart": {}},
    "resize_flavor": {"resize": {"flavorRef": "2"}},
    "resize_volume": {"resize": {"volume": {"size": "04"}}},
    "databases_create": {"databases": [{"name": "a"}, {"name": "b", "character_set": "latin1"}]},
    "users_create": {"users": [{"name": "u", "password": "p", "databases": [{"name": "a"}]}]},
    "users_password": {"users": [{"name": "u", "password": "p", "host": "10.0.0.1"}]},
    "user_update": {"user": {"name": "v", "password": "q", "host": "%"}},
    "grant": {"databases": [{"name": "a"}]},
    "configuration_create": {
        "configuration": {
            "name": "g",
            "description": "d",
            "values": {"size": 1},
            "datastore": {"type": "mysql", "version": "5.7"},
        }
    },
    "configuration_edit": {"configuration": {"values": {"name": "a"}}},
    "configuration_update": {"configuration": {"name": "g", "description": "d", "values": {}}},
    "upgrade": {"upgrade": {"datastore_type": "mysql", "datastore_version": "5.7"}},
    "save_logs": {"save_logs": {"allow_ha": True}},
}
ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    2.0,
    1.5,
    float("nan"),
    10**30,
    "",
    " ",
    "a",
    "0",
    "007",
    "12",
    "1\n",
    "\na",
    "é",
    "x" * 64,
    "x" * 65,
    "x" * 255,
    "x" * 256,
    "a b",
    "%",
    "%abc%",
    "a/b",
    "-",
    [],
    [{}],
    [{"name": "a"}],
    {},
    {"name": "a"},
    {"size": 1},
    {"size": 0},
]


def mutate(value, rng: random.Random, depth: int = 0):
    """value with one random change somewhere inside it (or replaced outright)."""
    if depth > 4 or rng.random() < 0.25:
        return copy.deepcopy(rng.choice(ODD_VALUES))
    if isinstance(value, dict) and value:
        out = dict(value)
        key = rng.choice(list(out))
        roll = rng.random()
        if roll < 0.15:
            del out[key]
        elif roll < 0.25:
            out[rng.choice(["extra", "name", "size", "volume", "databases"])] = rng.choice(ODD_VALUES)
        else:
            out[key] = mutate(out[key], rng, depth + 1)
        return out
    if isinstance(value, list) and value:
        items = list(value)
        roll = rng.random()
        if roll < 0.2:
            items.append(copy.deepcopy(rng.choice(items)))
        elif roll < 0.3:
            items.pop()
        else:
            i = rng.randrange(len(items))
            items[i] = mutate(items[i], rng, depth + 1)
        return items
    return copy.deepcopy(rng.choice(ODD_VALUES))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_validate_fast_path_agrees_with_jsonschema(name):
    validator = Validator(schemas.SCHEMAS)
    fast, slow = validator.fast[name], validator.slow_validator(name)
    assert fast is not None
    rng = random.Random(name)
    seen_valid = seen_invalid = 0
    for _ in range(1500):
        body = SAMPLES[name]
        for _ in range(rng.randint(0, 3)):
            body = mutate(body, rng)
        expected = slow.is_valid(body)
        assert fast(body) == expected, body
        seen_valid += expected
        seen_invalid += not expected
    assert seen_valid and seen_invalid


def test_validate_still_words_the_error_of_an_invalid_body():
    with pytest.raises(BadRequest) as info:
        schemas.validate("instance_create", {"instance": {"name": "", "flavorRef": 1, "volume": {"size": 2}}})
    assert (
        info.value.message == "Validation error: instance['name'] '' should be non-empty; "
        "instance['name'] '' does not match '^.*[0-9a-zA-Z]+.*$'"
    )
