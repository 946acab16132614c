"""cdbsim: a stateful simulator and replay harness for the Rackspace Cloud Databases API v1.0."""
from simulator.app import create_app
from simulator.config import DemoAccount, Durations, SimulatorConfig

__all__ = ["create_app", "SimulatorConfig", "Durations", "DemoAccount"]
