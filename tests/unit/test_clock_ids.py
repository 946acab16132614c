"""The clock and the id source: what makes a run repeatable."""

import datetime as dt
import random
import uuid

import pytest
from freezegun import freeze_time

from simulator.clock import Clock, api_time, identity_time, parse_time
from simulator.ids import Ids


def test_manual_clock_moves_only_when_advanced():
    clock = Clock("manual", parse_time("2014-02-13T21:47:16Z"))
    assert api_time(clock.now()) == "2014-02-13T21:47:16"
    clock.advance(90)
    assert api_time(clock.now()) == "2014-02-13T21:48:46"


def test_manual_clock_refuses_to_go_backwards():
    with pytest.raises(ValueError, match="only moves forward"):
        Clock("manual").advance(-1)


def test_real_clock_follows_freezegun():
    clock = Clock("real")
    with freeze_time("2020-01-02 03:04:05"):
        assert api_time(clock.now()) == "2020-01-02T03:04:05"


def test_real_clock_cannot_be_advanced():
    with pytest.raises(ValueError, match="only a manual clock"):
        Clock("real").advance(1)


def test_api_time_is_the_strftime_text_in_every_year_and_zone():
    rng = random.Random(7)
    zones = [dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-11))]
    moments = [dt.datetime(year, 12, 31, 23, 59, 59, 999999, tzinfo=zones[0]) for year in (1, 999, 1000, 9998)]
    moments += [
        dt.datetime(
            rng.randint(1, 9998),
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.randint(0, 23),
            rng.randint(0, 59),
            rng.randint(0, 59),
            rng.randint(0, 999999),
            tzinfo=rng.choice(zones),
        )
        for _ in range(500)
    ]
    for moment in moments:
        assert api_time(moment) == moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def test_identity_time_has_milliseconds_and_z():
    moment = dt.datetime(2014, 11, 24, 22, 5, 39, 115000, tzinfo=dt.timezone.utc)
    assert identity_time(moment) == "2014-11-24T22:05:39.115Z"


def test_same_seed_gives_same_ids():
    a, b = Ids(42), Ids(42)
    assert [a.uuid() for _ in range(3)] == [b.uuid() for _ in range(3)]
    assert Ids(1).uuid() != Ids(2).uuid()


def test_uuid_is_version_4():
    value = Ids(3).uuid()
    assert value[14] == "4" and len(value) == 36


@pytest.mark.parametrize("seed", [0, 7, 2026])
def test_uuid_draws_what_uuid_of_the_same_random_bits_gives(seed):
    """The same seed gives the same ids as str(uuid.UUID(int=getrandbits(128), version=4)) did."""
    ids, reference = Ids(seed), random.Random(seed)
    for _ in range(2000):
        assert ids.uuid() == str(uuid.UUID(int=reference.getrandbits(128), version=4))
    assert ids.random() == reference.random()


def test_real_clock_time_follows_freezegun_like_now():
    from freezegun import freeze_time

    from simulator.clock import Clock

    clock = Clock("real")
    with freeze_time("2030-01-02T03:04:05Z"):
        assert clock.time() == clock.now().timestamp() == 1893553445.0


@pytest.mark.parametrize("seed", [0, 1, 42, 2026])
def test_hex_draws_what_random_choice_of_hex_digits_draws(seed):
    """The same seed gives the same hostnames and salts as before hex() stopped calling random.choice per
    character."""
    ids, reference = Ids(seed), random.Random(seed)
    for length in (40, 8, 32, 12, 1, 0, 100):
        assert ids.hex(length) == "".join(reference.choice("0123456789abcdef") for _ in range(length))
    assert ids.random() == reference.random()
