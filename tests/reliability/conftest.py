"""Fixtures of the reliability suite: accounts that hold one of every kind of resource."""

from __future__ import annotations

import pytest
from reliability.helpers import populate


@pytest.fixture
def populated():
    """populate(api, tag) as a fixture, for tests that need several accounts."""
    return populate
