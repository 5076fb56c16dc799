"""JSON Schemas of the event data, generated from `events.models` and committed beside it.

`python -m events.schemas` rewrites them; a test fails when the committed files are stale.
Each event's `dataschema` attribute is its schema's `$id`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Final

from events.models import DATA_MODELS

SCHEMA_DIR: Final = Path(__file__).parent / "schemas"
SCHEMA_VERSION: Final = "v1"
JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


def dataschema_of(event_type: str) -> str:
    """The schema's identifier: a URN, so it names the schema wherever TaskFlow is deployed
    (the gateway serves the documents themselves at /api/events/schemas/<type>)."""
    return f"urn:taskflow:event:{event_type}:{SCHEMA_VERSION}"


def schema_of(event_type: str) -> dict[str, Any]:
    schema = DATA_MODELS[event_type].model_json_schema(mode="serialization")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": dataschema_of(event_type),
        **schema,
        "title": event_type,
    }


def rendered(event_type: str) -> str:
    return json.dumps(schema_of(event_type), indent=2, sort_keys=True) + "\n"


def path_of(event_type: str) -> Path:
    return SCHEMA_DIR / f"{event_type}.json"


def write_all() -> list[Path]:
    """Write every schema file whose content changed; return the files written."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for event_type in DATA_MODELS:
        path = path_of(event_type)
        text = rendered(event_type)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(f"wrote {path}", file=sys.stderr)
