"""A fingerprint of quantities: what a preview token and a point's ETag are made of.

It digests a set of (item, quantity) pairs in any order: each pair is hashed (BLAKE2b, 128
bits) and the hashes are added modulo 2**128, so pairs can be fed chunk by chunk as an import
reads them, and two fingerprints of the same state are equal however they were built. A
quantity of None ("not listed") is a state of its own. It guards against changes made in the
meantime, not against forgery: nothing secret goes in.
"""

from collections.abc import Iterable
from hashlib import blake2b

_MODULUS = 1 << 128


class Fingerprint:
    def __init__(self, *, scope: str = "") -> None:
        # The scope (an import's mode, say) makes fingerprints of different things differ.
        self._total = self._hash(f"scope:{scope}") if scope else 0

    @staticmethod
    def _hash(text: str) -> int:
        return int.from_bytes(blake2b(text.encode(), digest_size=16).digest(), "big")

    def add(self, item_id: int, quantity: int | None) -> None:
        self._total = (self._total + self._hash(f"{item_id}:{quantity}")) % _MODULUS

    def add_all(self, pairs: Iterable[tuple[int, int | None]]) -> "Fingerprint":
        for item_id, quantity in pairs:
            self.add(item_id, quantity)
        return self

    def hexdigest(self) -> str:
        return f"{self._total:032x}"


def matches(header: str | None, fingerprint: str) -> bool:
    """Whether an If-Match header names this fingerprint (quoted or not, weak or not, or *)."""
    if header is None:
        return True
    tags = [tag.strip() for tag in header.split(",")]
    return any(tag == "*" or tag.removeprefix("W/").strip('"') == fingerprint for tag in tags)
