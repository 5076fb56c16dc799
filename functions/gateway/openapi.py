"""The API's contract: an OpenAPI operation per route, described by the same pydantic models
the functions validate with, and the document built from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from functions.edge import EndpointSpec, Header
from functions.routes import Route

API_TITLE: Final = "TaskFlow API"
API_VERSION: Final = "1.0.0"
OPENAPI_URL: Final = "/api/openapi.json"
PROBLEM_SCHEMA: Final = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status"],
}


# OpenAPI links (what a client, or a stateful test, does next with what it created): for each
# creating target, a name, the operation it leads to and where that one's parameters come from.
_TASK = {"task_id": "$response.body#/id"}
_PROJECT = {"project_id": "$response.body#/id"}
LINKS: Final[dict[str, dict[str, tuple[str, dict[str, str]]]]] = {
    "create_task": {
        "GetTask": ("get_task", _TASK),
        "UpdateTask": ("update_task", _TASK),
        "DeleteTask": ("delete_task", _TASK),
        "ListComments": ("list_comments", _TASK),
        "AddComment": ("add_comment", _TASK),
        "TaskActivity": ("task_activity", _TASK),
        "ListRelations": ("list_relations", _TASK),
        "AddRelation": ("add_relation", _TASK),
    },
    "add_relation": {
        "RemoveRelation": (
            "remove_relation",
            {"task_id": "$request.path.task_id", "relation_id": "$response.body#/id"},
        ),
    },
    "create_project": {
        "GetProject": ("get_project", _PROJECT),
        "UpdateProject": ("update_project", _PROJECT),
        "DeleteProject": ("delete_project", _PROJECT),
        "ListMembers": ("list_members", _PROJECT),
        "AddMember": ("add_member", _PROJECT),
        "ProjectActivity": ("project_activity", _PROJECT),
    },
    "add_member": {
        "ChangeMemberRole": (
            "change_member_role",
            {"project_id": "$request.path.project_id", "user_id": "$response.body#/user_id"},
        ),
        "RemoveMember": (
            "remove_member",
            {"project_id": "$request.path.project_id", "user_id": "$response.body#/user_id"},
        ),
    },
    "add_comment": {
        "DeleteComment": (
            "delete_comment",
            {"task_id": "$request.path.task_id", "comment_id": "$response.body#/id"},
        ),
    },
    "add_webhook": {
        "DeleteWebhook": ("delete_webhook", {"webhook_id": "$response.body#/id"}),
    },
    "create_calendar_feed": {
        "RevokeCalendarFeed": ("revoke_calendar_feed", {"feed_id": "$response.body#/id"}),
    },
}


def operation_extra(route: Route, spec: EndpointSpec) -> dict[str, Any]:
    """What FastAPI cannot see in a function that takes the raw request: its parameters,
    body, problem answers, non-JSON success body and security."""
    extra: dict[str, Any] = {
        "parameters": _path_parameters(route.path)
        + _query_parameters(spec.query)
        + _header_parameters(spec.headers),
        "responses": {
            "4XX": {
                "description": "A problem (RFC 9457)",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        },
    }
    links = LINKS.get(route.target)
    if links:
        extra["responses"][str(spec.status)] = {
            "links": {
                name: {"operationId": operation, "parameters": parameters}
                for name, (operation, parameters) in links.items()
            }
        }
    if spec.body is not None:
        extra["requestBody"] = {
            "required": not spec.body_optional,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{spec.body.__name__}"}
                }
            },
        }
    if spec.raw_body:
        extra["requestBody"] = {
            "required": True,
            "content": {media: {"schema": dict(schema)} for media, schema in spec.raw_body.items()},
        }
    if spec.produces:
        extra["responses"][str(spec.status)] = {
            "description": "Successful Response",
            # No model of ours describes such a body.
            "content": {media_type: {} for media_type in spec.success_media_types},
        }
    for status, description in spec.responses.items():
        extra["responses"][str(status)] = {"description": description}
        if spec.response is not None and 200 <= status < 300:
            # Another success with the same body (an import found again answers 200).
            extra["responses"][str(status)]["content"] = {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{spec.response.__name__}"}
                }
            }
    if spec.auth:
        extra["security"] = [{"bearerAuth": []}]
    return extra


def publish_openapi(app: FastAPI, body_models: list[type[BaseModel]]) -> None:
    """Build the app's document once, on first request, with the request bodies' schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=API_TITLE, version=API_VERSION, routes=app.routes)
            _add_schemas(document, body_models)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            # Ids are UUIDs; other segments (an event type) are plain strings.
            "schema": {"type": "string", "format": "uuid"}
            if name.endswith("_id")
            else {"type": "string"},
        }
        for name in re.findall(r"\{(\w+)\}", path)
    ]


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


def _header_parameters(headers: Mapping[str, str | Header]) -> list[dict[str, Any]]:
    described = {
        name: header if isinstance(header, Header) else Header(header)
        for name, header in headers.items()
    }
    return [
        {
            "name": name,
            "in": "header",
            "required": header.required,
            "description": header.description,
            "schema": dict(header.schema),
        }
        for name, header in described.items()
    ]


def _add_schemas(document: dict[str, Any], models: list[type[BaseModel]]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    document["components"]["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
