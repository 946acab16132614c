"""Handlers: parse the request, call the backend, render a view; nothing else."""
