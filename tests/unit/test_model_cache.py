"""ModelCache: a hit is always what computing it now would give, and it never outgrows its budget."""

from simulator.backend.cache import ModelCache


class Model:
    def __init__(self) -> None:
        self.version = 0


def test_value_is_kept_while_the_model_is_unchanged():
    model = Model()
    cache = ModelCache(lambda: model.version)
    cache.put("k", b"v", cache.version())
    assert cache.get("k") == b"v"


def test_a_change_of_the_model_empties_the_cache():
    model = Model()
    cache = ModelCache(lambda: model.version)
    cache.put("k", b"v", cache.version())
    model.version += 1
    assert cache.get("k") is None


def test_a_value_computed_while_the_model_changed_is_dropped():
    model = Model()
    cache = ModelCache(lambda: model.version)
    version = cache.version()
    model.version += 1  # e.g. the read settled a due step while it ran
    cache.put("k", b"stale", version)
    assert cache.get("k") is None


def test_the_budget_bounds_what_is_kept():
    model = Model()
    cache = ModelCache(lambda: model.version, budget=10, size=len)
    version = cache.version()
    cache.put("big", b"x" * 11, version)
    assert cache.get("big") is None
    cache.put("a", b"x" * 6, version)
    cache.put("b", b"x" * 6, version)  # over budget: starts afresh with b
    assert cache.get("a") is None and cache.get("b") == b"x" * 6


def test_fetch_computes_once_while_the_model_is_unchanged():
    model = Model()
    cache = ModelCache(lambda: model.version)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.fetch("k", compute) == 1 and cache.fetch("k", compute) == 1
    model.version += 1
    assert cache.fetch("k", compute) == 2
