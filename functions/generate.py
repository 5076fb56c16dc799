"""Every generated file, written or checked from one place: `taskflow generate [--check]`.

Each artifact names its file (or, for a renderer of many, its files) by path relative to the
repository root and renders the text from the source of truth: the route table for the
deployment files, the gateway for the OpenAPI document, the event models for their JSON
Schemas, the event contract's vocabulary for the web app's copy of it. Adding a generated
file is one line in ARTIFACTS.

Order: web/openapi.json is written here first; the web app's TypeScript client
(web/src/api/schema.d.ts) is then generated from it by `npm run api:generate` in web/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from functions import web_vocabulary

OPENAPI_PATH: Final = "web/openapi.json"
EVENT_SCHEMA_DIR: Final = "events/schemas"


@dataclass(frozen=True)
class File:
    """One generated file: its path under the root and what renders its text."""

    path: str
    text: Callable[[], str]

    def files(self) -> dict[str, str]:
        return {self.path: self.text()}


@dataclass(frozen=True)
class Files:
    """The files one renderer generates: {path under the root: text}."""

    render: Callable[[], Mapping[str, str]]

    def files(self) -> Mapping[str, str]:
        return self.render()


def _deployment_files() -> dict[str, str]:
    from functions.deploy.render import rendered_files

    return rendered_files()


def _openapi_json() -> str:
    from functions.gateway import openapi_json

    return openapi_json()


def _event_schemas() -> dict[str, str]:
    from events.models import DATA_MODELS
    from events.schemas import path_of, rendered

    return {f"{EVENT_SCHEMA_DIR}/{path_of(t).name}": rendered(t) for t in DATA_MODELS}


ARTIFACTS: Final[tuple[File | Files, ...]] = (
    Files(_deployment_files),  # nginx, docker-compose.yml, knative/: what `taskflow render` writes
    File(OPENAPI_PATH, _openapi_json),  # read by `npm run api:generate` for the web client
    Files(_event_schemas),
    File(web_vocabulary.PATH, web_vocabulary.render),
)


def generated_files() -> dict[str, str]:
    """Every generated file's path and text, in the artifacts' order."""
    files: dict[str, str] = {}
    for artifact in ARTIFACTS:
        files.update(artifact.files())
    return files


def write(root: Path) -> list[str]:
    """Write each generated file under `root` that is missing or stale; returns their paths."""
    from functions.deploy.render import write_files

    return write_files(root, generated_files())


def stale(root: Path) -> list[str]:
    """The generated files under `root` that are missing or differ from what renders now."""
    from functions.deploy.render import stale_files

    return stale_files(root, generated_files())
