"""Handlers: take the request's parts (account, path ids, query, JSON body), call the backend (which validates and
parses the body against its schema), render a view; nothing else."""
