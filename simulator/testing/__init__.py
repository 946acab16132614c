"""The test side of cdbsim, apart from pytest: a server on a thread, the control transports and the sandboxes."""

from simulator.testing.server import SimulatorServer

__all__ = ["SimulatorServer"]
