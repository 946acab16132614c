"""pytest plugin for cdbsim (registered through the pytest11 entry point)."""
