#!/bin/sh
# The TaskFlow image's entrypoint. Without arguments it serves the function FUNCTION_TARGET
# names, as `taskflow cluster` serves each one: functions-framework's ASGI app under uvicorn
# alone (`python -m functions.serve`; one process, no gunicorn arbiter) on $PORT.
# With arguments it runs that `taskflow` command (relay, dispatch, schedule, migrate, ...).
set -eu

if [ "$#" -gt 0 ]; then
    exec taskflow "$@"
fi

# exec: the server becomes this process, so the runtime's SIGTERM reaches it directly. It
# checks FUNCTION_TARGET against the route table itself (exit 64 when it names no function).
# Every address by default (a container's only way in); HOST narrows it (tests: loopback).
exec python -m functions.serve --target "${FUNCTION_TARGET:-}" \
    --host "${HOST:-0.0.0.0}" --port "${PORT:-8080}"
