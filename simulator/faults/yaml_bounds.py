"""PyYAML's SafeLoader made to count while it composes (simulator.faults.bounds): a module of its own, so
PyYAML is imported only when a YAML document is read, not by every server start."""

from __future__ import annotations

import yaml

from simulator.faults.bounds import MAX_ALIASES, MAX_DEPTH, MAX_VALUES, too_deep, too_many_values


class OverBound(Exception):
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
            raise OverBound(too_many_values(self._where()))
        if self.depth > MAX_DEPTH:
            raise OverBound(too_deep(self._where()))
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
            raise OverBound(f"more than {MAX_ALIASES} aliases{where}; a scenario may use at most {MAX_ALIASES}")
        size = self.sizes.get(id(node))
        if size is None:
            raise OverBound(
                f"the alias *{event.anchor}{where} is inside the node it names; a scenario cannot contain itself"
            )
        self.values += size[0]
        if self.values > MAX_VALUES:
            raise OverBound(too_many_values(where))
        if self.depth + size[1] > MAX_DEPTH:
            raise OverBound(too_deep(where))
        self.deepest = max(self.deepest, self.depth + size[1])
        return node

    def _where(self) -> str:
        mark = self.peek_event().start_mark
        return f" (at line {mark.line + 1}, column {mark.column + 1})"
