"""Every generated deployment file, written or checked by `taskflow render`.

Each renderer returns {path relative to the repository root: content}; the files are
committed, and `taskflow render --check` (run by a test) fails when one is stale.
`write_files` and `stale_files` do the same for any such mapping (`taskflow generate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def rendered_files() -> dict[str, str]:
    from functions.deploy import compose, knative, nginx

    files: dict[str, str] = {}
    for renderer in (nginx.files, compose.files, knative.files):
        files.update(renderer())
    return files


def write(root: Path) -> list[str]:
    """Write every rendered file under `root`; returns the paths that changed."""
    return write_files(root, rendered_files())


def stale(root: Path) -> list[str]:
    """The rendered files under `root` that differ from what the route table renders."""
    return stale_files(root, rendered_files())


def write_files(root: Path, files: Mapping[str, str]) -> list[str]:
    """Write each {relative path: content} under `root` that differs; returns those paths."""
    changed = []
    for relative, content in files.items():
        path = root / relative
        if path.exists() and path.read_text() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        changed.append(relative)
    return changed


def stale_files(root: Path, files: Mapping[str, str]) -> list[str]:
    """The paths of `files` that are missing under `root` or say something else there."""
    return [
        relative
        for relative, content in files.items()
        if not (root / relative).exists() or (root / relative).read_text() != content
    ]
