"""Run the cdbsim plugin inside a pytester session: write a test module (and files beside it), run pytest on it."""

from __future__ import annotations

import textwrap

import pytest
from support import UNUSED_PLUGINS


@pytest.fixture
def inner(pytester: pytest.Pytester):
    """inner(source, *args, files={name: text}) -> RunResult: the module runs in-process with the plugin loaded (and
    without the UNUSED_PLUGINS)."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")

    def run(source: str, *args: str, files: dict[str, str] | None = None) -> pytest.RunResult:
        for name, text in (files or {}).items():
            path = pytester.path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        pytester.makepyfile(test_inner=textwrap.dedent(source))
        return pytester.runpytest("-p", "no:cacheprovider", *UNUSED_PLUGINS, *args)

    return run
