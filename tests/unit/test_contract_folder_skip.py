"""The fast loop's -m expression keeps pytest from importing the contract folder; any other stays with pytest."""

from __future__ import annotations

import pytest
from conftest import contract_never_selected


@pytest.mark.parametrize(
    "markexpr", ["not slow and not contract", "not contract", "not (slow or contract)", "slow and not contract"]
)
def test_an_expression_false_for_every_contract_test_skips_the_folder(markexpr):
    assert contract_never_selected(markexpr)


@pytest.mark.parametrize("markexpr", ["contract", "slow", "not slow", "not contract or slow", "contract and slow"])
def test_an_expression_some_contract_test_could_match_keeps_the_folder(markexpr):
    assert not contract_never_selected(markexpr)


@pytest.mark.parametrize("markexpr", ["contract(kind=1)", "a.b and not contract", "not contract and", "True"])
def test_an_expression_beyond_plain_names_is_left_to_pytest(markexpr):
    assert not contract_never_selected(markexpr)
