"""(kn commands: filled in by the deployment work.)"""

from __future__ import annotations


def commands(image: str, namespace: str) -> list[list[str]]:
    return []
