"""Fixtures of the replay tests: one recording of a python-troveclient session per test run."""

from __future__ import annotations

import pytest
from replay.replay_helpers import (
    API_KEY,
    DB_USER_PASSWORD,
    FIXED_TOKEN,
    PASSWORD,
    advancer,
    api_key_login,
    fixed_token_call,
    recording_config,
    troveclient_backup_session,
)

from simulator.testing import SimulatorServer


@pytest.fixture(scope="session")
def recorded_session(tmp_path_factory):
    """One troveclient session (create, backup, restore, polls, delete) recorded from the simulator.

    Returns (HAR path, the answers the client saw, the secrets the client was given or gave).
    """
    path = str(tmp_path_factory.mktemp("recorded") / "session.har")
    issued: list = []
    with SimulatorServer(recording_config(path)) as server:
        answers = troveclient_backup_session(server.url, advancer(server), issued)
        issued.append(api_key_login(server.url)["access"]["token"]["id"])
        answers.append(fixed_token_call(server.url))
    roots = [a[1] for a in answers if isinstance(a, list) and len(a) == 2 and a[0] == "root"]
    secrets = [PASSWORD, API_KEY, FIXED_TOKEN, DB_USER_PASSWORD, *issued, *roots]
    return path, answers, secrets
