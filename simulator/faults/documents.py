"""Scenario documents read within bounds: text files only, at most 256 KiB, and YAML refused while it is read when
its aliases, nesting or values go over the limits (so an alias bomb is never expanded)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from simulator.faults.bounds import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, MAX_VALUES, too_deep, too_many_values

#: The bounds are simulator.faults.bounds' (shown here too, where a scenario's reader looks for them).
__all__ = [
    "MAX_ALIASES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_VALUES",
    "DocumentError",
    "check_bounds",
    "check_size",
    "decode_text",
    "parse_yaml",
    "read_text_file",
]


class DocumentError(ValueError):
    """A document that cannot be read or is over a bound; the message starts with where it came from."""


def read_text_file(path: Path) -> str:
    """The UTF-8 text of a regular file of at most MAX_BYTES (a device, a pipe or a binary file is refused)."""
    try:
        info = path.stat()
        if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):  # a directory: open() says so below
            raise DocumentError(f"{path}: not a regular file (a device, a pipe or a socket), not a scenario")
        check_size(info.st_size, str(path))
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    check_size(len(raw), str(path), at_least=True)
    return decode_text(raw, str(path))


def decode_text(raw: bytes, origin: str) -> str:
    """raw as UTF-8 text; a binary file or another encoding is named as such."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise DocumentError(
            f"{origin}: a binary file (a NUL byte at offset {nul}), not the YAML or JSON text of a scenario"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{origin}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); a "
            f"scenario is YAML or JSON text in UTF-8"
        ) from None


def check_size(size: int, origin: str, at_least: bool = False) -> None:
    """Refuse a document over MAX_BYTES (at_least: size is what was read of a file that grew while being read)."""
    if size > MAX_BYTES:
        raise DocumentError(
            f"{origin}: the document is {size} bytes{' or more' if at_least else ''}; a scenario may "
            f"be at most {MAX_BYTES} bytes ({MAX_BYTES // 1024} KiB)"
        )


def parse_yaml(text: str, origin: str) -> Any:
    """The YAML (or JSON) document in text, refused as soon as it goes over a bound."""
    from simulator.faults.yaml_bounds import BoundedLoader, OverBound  # PyYAML only once a document is read

    check_size(len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass")), origin)
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    except OverBound as exc:
        raise DocumentError(f"{origin}: {exc}") from None
    finally:
        loader.dispose()


def check_bounds(document: Any, origin: str) -> None:
    """A document given as data (JSON already parsed, or a mapping from Python) within the same bounds as YAML."""
    values, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise DocumentError(f"{origin}: {too_many_values()}")
        if depth > MAX_DEPTH:
            raise DocumentError(f"{origin}: {too_deep()}")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
