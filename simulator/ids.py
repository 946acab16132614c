"""The one seeded source of ids, tokens and random draws, so the same seed gives the same run."""

from __future__ import annotations

import random
from collections.abc import Callable

HEX_DIGITS = "0123456789abcdef"
#: hex(): a 32-bit output's top byte b gives the digit HEX_DIGITS[b >> 3], unless b >> 3 is 16 or more (b from 128 on).
_TOP_BYTE_DIGIT = bytes(ord(HEX_DIGITS[b >> 3]) if b < 128 else 0 for b in range(256))
_REJECTED = bytes(range(128, 256))
#: uuid(): what uuid.UUID(int=n, version=4) does to n (the variant bits 10, the version nibble 4), as two masks: the
#: same text as str() of that UUID in half the instructions (its constructor checks and its str are Python code).
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)


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
            digits = "%032x" % (self._random.getrandbits(128) & _UUID_CLEAR | _UUID_SET)
            value = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
            if taken is None or not taken(value):
                return value

    def hex(self, length: int = 40) -> str:
        """length lowercase hex characters: the draws random.choice("0123456789abcdef") makes (5 random bits, again
        while 16 or more), without its per-character calls (a hostname is 40 of them)."""
        # getrandbits(5) is the top 5 bits of one 32-bit output; getrandbits(32 * n) is the next n outputs, the
        # first in the lowest bits. Each round draws as many outputs as characters are still missing: one output
        # gives at most one character, so no round draws an output the one-at-a-time loop would not have drawn.
        # Each output's top byte, less the rejected ones (top 5 bits 16 or more: a byte from 128 on), mapped to its
        # digit (byte >> 3).
        draw = self._random.getrandbits
        out = b""
        while (missing := length - len(out)) > 0:
            out += draw(32 * missing).to_bytes(4 * missing, "little")[3::4].translate(_TOP_BYTE_DIGIT, _REJECTED)
        return out.decode("ascii")

    def password(self, length: int = 16) -> str:
        """A password of letters and digits."""
        alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(self._random.choice(alphabet) for _ in range(length))

    def random(self) -> float:
        """A float in [0, 1)."""
        return self._random.random()
