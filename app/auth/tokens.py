"""Bearer tokens and who they speak for.

A token is 256 random bits (``inv_`` + URL-safe base64); only its SHA-256 is stored, so a
stolen database gives no usable token (a fast hash is enough: the token is random, nothing
to brute-force). The environment's admin token is compared in constant time.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "inv_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant time in the length of the secret, whatever the two are."""
    return hmac.compare_digest(token_hash(given), token_hash(expected))


@dataclass(frozen=True)
class Principal:
    """Who a request speaks for: a token's name, its scopes and, maybe, its points."""

    name: str
    scopes: frozenset[str]
    points: frozenset[int] | None = None  # None: every point

    def can(self, scope: str) -> bool:
        # admin includes write, write includes read.
        order = ("read", "write", "admin")
        return any(order.index(held) >= order.index(scope) for held in self.scopes)

    def sees(self, point_id: int) -> bool:
        return self.points is None or point_id in self.points
