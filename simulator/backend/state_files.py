"""State documents: the simulated world (every account) or one account as versioned JSON, and loading one back.

A document is {"format": "cdbsim-state", "version": 1, "account_id": ID or null, "written_by": "cdbsim X",
"tables": {table: [row, ...]}}: the rows exactly as the store keeps them (passwords, API keys and tokens only as
their digests), tables and keys sorted, rows in a fixed order, so export -> load -> export gives the same bytes.
History and test set-up (the journal, rate counters, fault scenarios) are not state. Loading checks the whole
document first and writes it in one transaction: a document of another version, an unknown table or column, a
value of the wrong type or a row of another account is refused with a message naming it, and nothing is loaded.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from simulator.backend.sandbox import IDENTITY, AccountRows, Sandbox
from simulator.errors import BadRequest, ItemNotFound
from simulator.version import installed_version

FORMAT = "cdbsim-state"
VERSION = 1
KEYS = {"format", "version", "account_id", "written_by", "tables"}
#: The JSON types a column of each SQLite type takes (bool is refused: the store never holds one).
TYPES: dict[str, tuple[type, ...]] = {"TEXT": (str,), "INTEGER": (int,), "REAL": (float, int)}
TYPE_NAMES = {"TEXT": "a string", "INTEGER": "an integer", "REAL": "a number"}


def document_text(document: dict) -> str:
    """The one way a document is written: sorted keys, one space of indent, UTF-8 as it is, a final newline."""
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _sorted(rows: AccountRows) -> AccountRows:
    """Every table's rows in one order that does not depend on how they were inserted."""
    return {t: sorted(items, key=lambda row: json.dumps(row, sort_keys=True)) for t, items in rows.items()}


def export_state(sandbox: Sandbox, account_id: str | None = None) -> str:
    """The document of one account (404 when it does not exist) or of the whole world, as text."""
    if account_id is None:
        rows = sandbox.world_rows()
    else:
        if not sandbox.has_account(account_id):
            raise ItemNotFound(f"Account {account_id} cannot be found.")
        rows = sandbox.account_rows(account_id)
    return document_text(
        {
            "format": FORMAT,
            "version": VERSION,
            "account_id": account_id,
            "written_by": f"cdbsim {installed_version()}",
            "tables": _sorted(rows),
        }
    )


def parse_document(text: str | bytes) -> Any:
    """The JSON of a state document; 400 naming where it stops being JSON."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The state document is not JSON: {exc}.") from None


def check_document(document: Any, columns: dict[str, dict[str, str]]) -> tuple[str | None, AccountRows]:
    """(account_id, rows) of a well-formed document of this version; 400 naming the first thing wrong."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BadRequest(f'This is not a cdbsim state document (it has no "format": "{FORMAT}").')
    if document.get("version") != VERSION:
        raise BadRequest(
            f"This state document is version {document.get('version')!r} (written by "
            f"{document.get('written_by') or 'an unknown cdbsim'}); cdbsim {installed_version()} reads version "
            f"{VERSION} only."
        )
    unknown = set(document) - KEYS
    if unknown:
        raise BadRequest(f"Unknown field(s) in the state document: {', '.join(sorted(unknown))}.")
    account_id, tables = document.get("account_id"), document.get("tables")
    if account_id is not None and not isinstance(account_id, str):
        raise BadRequest("The state document's account_id must be a string or null.")
    if not isinstance(document.get("written_by", ""), str):
        raise BadRequest("The state document's written_by must be a string.")
    if not isinstance(tables, dict):
        raise BadRequest("The state document's tables must be an object of table names to lists of rows.")
    strangers = sorted(set(tables) - set(columns))
    if strangers:
        raise BadRequest(f"Unknown table(s) in the state document: {', '.join(strangers)}.")
    for table, rows in tables.items():
        _check_rows(table, rows, columns[table])
    return account_id, tables


def _check_rows(table: str, rows: Any, columns: dict[str, str]) -> None:
    if not isinstance(rows, list):
        raise BadRequest(f"Table {table} of the state document must be a list of rows.")
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise BadRequest(f"Table {table}, row {n}: a row must be an object of column values.")
        unknown = sorted(set(row) - set(columns))
        if unknown:
            raise BadRequest(f"Table {table}, row {n}: unknown column(s) {', '.join(unknown)}.")
        for column, value in row.items():
            allowed = TYPES.get(columns[column], (str, int, float))
            if value is not None and (isinstance(value, bool) or not isinstance(value, allowed)):
                raise BadRequest(
                    f"Table {table}, row {n}, column {column}: {json.dumps(value)[:60]} is not "
                    f"{TYPE_NAMES.get(columns[column], 'a string or a number')}."
                )


def _rekeyed(rows: AccountRows, source: str, target: str) -> AccountRows:
    """The rows of account source as account target's (its own scope and its regional scopes, source@IAD)."""

    def rekey(value: Any) -> Any:
        if value == source:
            return target
        if isinstance(value, str) and value.startswith(source + "@"):
            return target + value[len(source) :]
        return value

    return {
        table: [{k: rekey(v) if k == "account_id" else v for k, v in row.items()} for row in items]
        for table, items in rows.items()
    }


def load_state(sandbox: Sandbox, document: Any, as_account: str | None = None) -> dict:
    """Load a parsed document: the whole world (every account replaced), or one account's rows (the account then
    holds exactly those); as_account loads an account document into another, existing account, which keeps its
    own identity (account, users, tokens). One transaction: refused as a whole or loaded as a whole."""
    columns = sandbox.state_columns()
    account_id, rows = check_document(document, columns)
    if as_account is not None:
        if account_id is None:
            raise BadRequest("Only an account's state document can be loaded into another account.")
        if not sandbox.has_account(as_account):
            raise ItemNotFound(f"Account {as_account} cannot be found.")
        rows = _rekeyed({t: r for t, r in rows.items() if t not in IDENTITY}, account_id, as_account)
        account_id = as_account
    try:
        with sandbox.atomic():
            if account_id is None:
                sandbox.replace_world({t: rows.get(t, []) for t in columns})
            else:
                _replace_account(sandbox, account_id, rows, keep_identity=as_account is not None)
    except sqlite3.Error as exc:
        raise BadRequest(f"The state document cannot be loaded, nothing was changed: {exc}.") from None
    return {
        "account_id": account_id,
        "rows": sum(len(r) for r in rows.values()),
        "tables": {t: len(r) for t, r in sorted(rows.items())},
    }


def _replace_account(sandbox: Sandbox, account_id: str, rows: AccountRows, keep_identity: bool) -> None:
    """The account holds exactly rows; every row must be the account's (refused otherwise, inside the
    transaction the caller rolls back)."""
    scoped = [t for t in sandbox.account_tables() if not (keep_identity and t in IDENTITY)]
    strangers = sorted(set(rows) - set(scoped))
    if strangers:
        raise BadRequest(f"Table(s) {', '.join(strangers)} hold no account's rows: an account document has none.")
    if not keep_identity and [r.get("id") for r in rows.get("accounts", [])] != [account_id]:
        raise BadRequest(f"Table accounts of the state document must hold account {account_id}'s row, and only it.")
    sandbox.replace_account_rows(account_id, {t: rows.get(t, []) for t in scoped})
    held = sandbox.account_rows(account_id)
    for table in scoped:
        if len(held.get(table, [])) != len(rows.get(table, [])):
            raise BadRequest(
                f"Table {table} of the state document holds rows that are not account {account_id}'s "
                f"(only {len(held.get(table, []))} of its {len(rows.get(table, []))} rows are)."
            )


def load_state_file(sandbox: Sandbox, path: str) -> dict:
    """Load the state document at path (serve --state); 400 naming the file when it cannot be read or loaded."""
    try:
        with open(path, "rb") as fh:
            text = fh.read()
    except OSError as exc:
        raise BadRequest(f"Cannot read the state document {path}: {exc.strerror or exc}.") from None
    try:
        return load_state(sandbox, parse_document(text))
    except BadRequest as exc:
        raise BadRequest(f"{path}: {exc.message}") from None
