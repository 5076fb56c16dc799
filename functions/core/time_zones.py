"""Each person's time zone: an IANA name (`Europe/Lisbon`) checked against the zone database.

The database is the system's, or the `tzdata` package's where the system has none (slim
images); either way one list of names is accepted everywhere.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from functools import cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Longest IANA name in use is 32 characters; the column holds 64.
MAX_LENGTH: Final = 64
UNKNOWN: Final = "is not a time zone TaskFlow knows (an IANA name such as Europe/Lisbon)"
# In some systems' zone folders, but no place anyone lives: the host's own zone, and "-00".
_NOT_PLACES: Final = frozenset({"localtime", "Factory"})


@cache
def known_zones() -> frozenset[str]:
    """Every IANA name the zone database holds (read once per process)."""
    return (frozenset(available_timezones()) - _NOT_PLACES) | {"UTC"}


def is_time_zone(name: str) -> bool:
    return len(name) <= MAX_LENGTH and name in known_zones()


def zone(name: str | None) -> tzinfo:
    """The zone named, or UTC for a person who chose none (or a name no longer known)."""
    if not name or not is_time_zone(name):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
