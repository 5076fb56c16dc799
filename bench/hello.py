"""The floor: the smallest functions-framework ASGI function, measured beside TaskFlow's."""

from functions_framework import aio
from starlette.requests import Request


@aio.http
async def hello(request: Request) -> str:
    return "OK"
