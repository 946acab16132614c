"""Repositories: the store's queries, one module per group of tables."""
