"""The one seeded source of ids, tokens and random draws, so the same seed gives the same run."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable


class Ids:
    """Seeded generator of uuids, hex strings and passwords."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._random = random.Random(seed)

    def reseed(self, seed: int) -> None:
        """Start the sequence again from seed."""
        self.seed = seed
        self._random = random.Random(seed)

    def uuid(self, taken: Callable[[str], bool] | None = None) -> str:
        """A random (version 4) UUID string drawn from the seeded generator; drawn again while taken(id)."""
        while True:
            value = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
            if taken is None or not taken(value):
                return value

    def hex(self, length: int = 40) -> str:
        """length lowercase hex characters."""
        return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def password(self, length: int = 16) -> str:
        """A password of letters and digits."""
        alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(self._random.choice(alphabet) for _ in range(length))

    def random(self) -> float:
        """A float in [0, 1)."""
        return self._random.random()
