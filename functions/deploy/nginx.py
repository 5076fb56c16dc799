"""(nginx renderer: filled in by the deployment work.)"""

from __future__ import annotations


def files() -> dict[str, str]:
    return {}
