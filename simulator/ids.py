"""The one seeded source of ids, tokens and random draws, so the same seed gives the same run."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

HEX_DIGITS = "0123456789abcdef"


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
        """length lowercase hex characters: the draws random.choice("0123456789abcdef") makes (5 random bits, again
        while 16 or more), without its per-character calls (a hostname is 40 of them)."""
        draw = self._random.getrandbits
        out: list[str] = []
        while len(out) < length:
            value = draw(5)
            if value < 16:
                out.append(HEX_DIGITS[value])
        return "".join(out)

    def password(self, length: int = 16) -> str:
        """A password of letters and digits."""
        alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(self._random.choice(alphabet) for _ in range(length))

    def random(self) -> float:
        """A float in [0, 1)."""
        return self._random.random()
