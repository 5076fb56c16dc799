"""Every generated deployment file, written or checked by `taskflow render`.

Each renderer returns {path relative to the repository root: content}; the files are
committed, and `taskflow render --check` (run by a test) fails when one is stale.
"""

from __future__ import annotations

from pathlib import Path


def rendered_files() -> dict[str, str]:
    from functions.deploy import compose, knative, nginx

    files: dict[str, str] = {}
    for renderer in (nginx.files, compose.files, knative.files):
        files.update(renderer())
    return files


def write(root: Path) -> list[str]:
    """Write every rendered file under `root`; returns the paths that changed."""
    changed = []
    for relative, content in rendered_files().items():
        path = root / relative
        if path.exists() and path.read_text() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        changed.append(relative)
    return changed


def stale(root: Path) -> list[str]:
    """The rendered files under `root` that differ from what the route table renders."""
    return [
        relative
        for relative, content in rendered_files().items()
        if not (root / relative).exists() or (root / relative).read_text() != content
    ]
