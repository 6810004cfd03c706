"""Password hashing with argon2id, always off the event loop.

The parameters are OWASP's minimum for argon2id (19 MiB of memory, 2 passes, 1 lane): a hash
takes tens of milliseconds of one core, which is what makes guessing slow, and why it runs in
the loop's thread pool (argon2 releases the GIL) instead of stalling every other request.
A stored hash made with other parameters is replaced at the next successful login.
"""

import asyncio
import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(None, HASHER.hash, password)


def _verify(password_hash: str, password: str) -> tuple[bool, str | None]:
    try:
        HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    rehash = HASHER.hash(password) if HASHER.check_needs_rehash(password_hash) else None
    return True, rehash


async def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """Whether `password` matches, and a new hash to store when the parameters changed."""
    return await asyncio.get_running_loop().run_in_executor(None, _verify, password_hash, password)


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("a password that no account has")


def _spend_verification_time(password: str) -> None:
    _verify(_dummy_hash(), password)


async def spend_verification_time(password: str) -> None:
    """Verify against a dummy hash, so an unknown login takes as long as a wrong password."""
    await asyncio.get_running_loop().run_in_executor(None, _spend_verification_time, password)
