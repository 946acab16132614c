"""Views: pure functions from backend models to the service's JSON, one module per resource as handlers/ has; no I/O."""
