"""Passwords: argon2id (memory-hard), hashed off the event loop, with a strength policy.

Unknown emails are checked against a dummy hash so a failed log-in costs the same whether or
not the account exists (no timing oracle for account enumeration).
"""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.errors import DomainError

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_DISTINCT = 5
# Hashes run in threads; each takes 19 MiB and a core, so bound how many run at once.
_CONCURRENCY = 4

COMMON = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "qwerty",
        "qwertyuiop",
        "1234567890",
        "123456789",
        "12345678",
        "1q2w3e4r5t",
        "iloveyou",
        "letmein",
        "welcome",
        "admin",
        "administrator",
        "changeme",
        "football",
        "baseball",
        "dragon",
        "monkey",
        "sunshine",
        "princess",
        "trustno1",
        "superman",
        "starwars",
        "clipforge",
    }
)

# argon2id with OWASP's recommended floor (19 MiB, 2 passes, 1 lane): memory-hard enough to
# make GPU guessing expensive, cheap enough to keep log-in latency and memory bounded.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_semaphore: asyncio.Semaphore | None = None


def _limit() -> asyncio.Semaphore:
    global _semaphore
    if _semaphore is None:
        _semaphore = asyncio.Semaphore(_CONCURRENCY)
    return _semaphore


def check_strength(password: str, email: str) -> None:
    """Raise WEAK_PASSWORD with a reason the user can act on."""

    def weak(message: str) -> DomainError:
        return DomainError("WEAK_PASSWORD", message, "password")

    if len(password) < MIN_LENGTH:
        raise weak(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise weak(f"Use at most {MAX_LENGTH} characters.")
    if len(set(password)) < MIN_DISTINCT:
        raise weak("Use more different characters.")
    lowered = password.lower()
    stripped = lowered.rstrip("0123456789!.?")
    if lowered in COMMON or stripped in COMMON:
        raise weak("That password is too common.")
    local = email.split("@", 1)[0].lower()
    if lowered == email.lower() or (len(local) >= 4 and local in lowered):
        raise weak("Do not use your email address in your password.")


async def hash_password(password: str) -> str:
    async with _limit():
        return await asyncio.to_thread(_hasher.hash, password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-only-for-equal-timing")


def _verify(stored: str | None, password: str) -> tuple[bool, bool]:
    target = stored or _dummy_hash()
    try:
        _hasher.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    if stored is None:
        return False, False
    return True, _hasher.check_needs_rehash(stored)


async def verify_password(stored: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash). `stored=None` (no such user, or an OAuth-only user) costs
    one full verification and never matches."""
    async with _limit():
        return await asyncio.to_thread(_verify, stored, password)
