"""The test side of cdbsim, apart from pytest: a server on a thread, the control transports and the sandboxes."""

from simulator.testing.client import Answer, CdbsimError, CdbsimServerError, http_call
from simulator.testing.names import account_id_for, token_for
from simulator.testing.sandbox import Account, AsyncSandbox, Sandbox, SandboxClock, SandboxJournal
from simulator.testing.server import SimulatorServer
from simulator.testing.session import CdbsimSession, close_sandbox, open_in_process, reset_cycle
from simulator.testing.transport import AppControl, Control, HttpControl

__all__ = [
    "Account",
    "Answer",
    "AppControl",
    "AsyncSandbox",
    "CdbsimError",
    "CdbsimServerError",
    "CdbsimSession",
    "Control",
    "HttpControl",
    "Sandbox",
    "SandboxClock",
    "SandboxJournal",
    "SimulatorServer",
    "account_id_for",
    "close_sandbox",
    "http_call",
    "open_in_process",
    "reset_cycle",
    "token_for",
]
