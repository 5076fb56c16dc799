"""Each person's time zone: an IANA name (`Europe/Lisbon`) from the zone database.

The names accepted are those of the pinned `tzdata` package, on every machine alike (the API
document lists them); zoneinfo reads each zone from the system's database, or from the
package's where the system has none (slim images).
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from functools import cache
from importlib.resources import files
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Longest IANA name in use is 32 characters; the column holds 64.
MAX_LENGTH: Final = 64
UNKNOWN: Final = "is not a time zone TaskFlow knows (an IANA name such as Europe/Lisbon)"
# In the database, but no place anyone lives ("-00").
_NOT_PLACES: Final = frozenset({"Factory"})


@cache
def known_zones() -> frozenset[str]:
    """Every IANA name the zone database holds (read once per process, when first asked)."""
    names = files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(names) - _NOT_PLACES


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
