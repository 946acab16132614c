"""What a pytest session pays to start cdbsim: its modules are imported as Python would (not through pytest's
assertion rewriting), and the test-side library leaves aiohttp to the server's thread."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # each test starts a process of its own

LOADERS = """
import sys

from _pytest.assertion.rewrite import AssertionRewritingHook


def rewritten(name):
    return isinstance(sys.modules[name].__loader__, AssertionRewritingHook)


def test_loaders(cdbsim):
    assert cdbsim.call("GET", "flavors").status == 200
    assert not rewritten("simulator.app") and not rewritten("simulator.backend")
    assert not rewritten("simulator.testing.session")  # imported by the conftest, before pytest_configure
    assert rewritten(__name__)  # the project's own tests keep pytest's assertion messages


def test_asserts_still_explain(cdbsim):
    flavors = cdbsim.call("GET", "flavors").status
    assert flavors == 201
"""


def test_a_session_imports_the_simulator_without_assertion_rewriting(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest("import simulator.testing.session\n")
    pytester.makepyfile(test_loaders=textwrap.dedent(LOADERS))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*assert 200 == 201*"])


def test_importing_the_testing_library_leaves_aiohttp_to_the_server_thread():
    probe = (
        "import json, sys; import simulator.testing; loaded = 'aiohttp' in sys.modules; "
        "server = simulator.testing.CdbsimSession.start(); "
        "print(json.dumps([loaded, 'aiohttp' in sys.modules, server.url.startswith('http://127.0.0.1:')])); "
        "server.stop()"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False, True, True]
