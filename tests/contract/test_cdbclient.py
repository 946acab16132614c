"""cdbclient 1.0.9 (Rackspace's own client), unmodified, against the running simulator: every operation it offers
that the API has, through its library and its cdb-cli command."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.contract


def test_cdbclient_authenticates_with_its_api_key_and_finds_the_catalog_endpoint(cdb, account):
    assert cdb.endpoint == account.endpoint
    assert len(cdb("flavors.list")) == 8
