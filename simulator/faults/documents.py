"""Scenario documents read within bounds: text files only, at most 256 KiB, and YAML refused while it is read when
its aliases, nesting or values go over the limits (so an alias bomb is never expanded)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

#: The bounds of one scenario document (a shipped one is at most 1.2 KiB, 7 levels deep and 42 values); within them
#: PyYAML parses any document in well under a second.
MAX_BYTES = 256 * 1024
MAX_ALIASES = 1_000
MAX_DEPTH = 32
#: Values (scalars, lists and mappings) once every alias is counted at the size of what it names.
MAX_VALUES = 10_000


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
    check_size(len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass")), origin)
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    except _OverBound as exc:
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
            raise DocumentError(f"{origin}: {_too_many_values()}")
        if depth > MAX_DEPTH:
            raise DocumentError(f"{origin}: {_too_deep()}")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _too_many_values(where: str = "") -> str:
    return f"more than {MAX_VALUES} values{where}; a scenario may hold at most {MAX_VALUES} (aliases included)"


def _too_deep(where: str = "") -> str:
    return f"nested more than {MAX_DEPTH} levels deep{where}; a scenario may nest at most {MAX_DEPTH} levels"


class _OverBound(Exception):
    """A bound was crossed while composing (the message says which, and where)."""


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that counts while it composes nodes, before anything is built: aliases, the depth and
    the values an alias stands for (the size of the node it names), so the document is refused unexpanded."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.values = 0
        self.depth = 0
        self.deepest = 0
        #: id(node) -> (values, levels) of every node composed so far (what an alias to it adds).
        self.sizes: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            return self._alias(parent, index)
        self.values += 1
        self.depth += 1
        if self.values > MAX_VALUES:
            raise _OverBound(_too_many_values(self._where()))
        if self.depth > MAX_DEPTH:
            raise _OverBound(_too_deep(self._where()))
        before, outer_deepest, self.deepest = self.values, self.deepest, self.depth
        node = super().compose_node(parent, index)
        self.sizes[id(node)] = (self.values - before + 1, self.deepest - self.depth + 1)
        self.depth -= 1
        self.deepest = max(outer_deepest, self.deepest)
        return node

    def _alias(self, parent, index):
        """An alias: counted, and its node's values and depth counted again where it stands."""
        event = self.peek_event()
        where = self._where()  # before the alias is read
        node = super().compose_node(parent, index)
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _OverBound(f"more than {MAX_ALIASES} aliases{where}; a scenario may use at most {MAX_ALIASES}")
        size = self.sizes.get(id(node))
        if size is None:
            raise _OverBound(
                f"the alias *{event.anchor}{where} is inside the node it names; a scenario cannot contain itself"
            )
        self.values += size[0]
        if self.values > MAX_VALUES:
            raise _OverBound(_too_many_values(where))
        if self.depth + size[1] > MAX_DEPTH:
            raise _OverBound(_too_deep(where))
        self.deepest = max(self.deepest, self.depth + size[1])
        return node

    def _where(self) -> str:
        mark = self.peek_event().start_mark
        return f" (at line {mark.line + 1}, column {mark.column + 1})"
