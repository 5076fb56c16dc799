"""argon2id password hashing, off the event loop and bounded in memory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import argon2

from functions.core.settings import Settings


@dataclass
class PasswordHasher:
    hasher: argon2.PasswordHasher
    # Each hash holds memory_cost KiB: bound how many run at once.
    slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    # Verified against when the account does not exist, so both cases cost the same.
    dummy_hash: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> PasswordHasher:
        hasher = argon2.PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=argon2.Type.ID,
        )
        return cls(
            hasher=hasher,
            slots=asyncio.Semaphore(settings.max_concurrent_hashes),
            dummy_hash=hasher.hash("not a real password"),
        )

    async def hash(self, password: str) -> str:
        async with self.slots:
            return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True if the password matches; with no hash, burns the same time and says False."""
        async with self.slots:
            return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            self.hasher.verify(password_hash or self.dummy_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
        return password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)
