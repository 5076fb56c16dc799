#!/bin/sh
# The TaskFlow image's entrypoint. Without arguments it serves the function FUNCTION_TARGET
# names, as `taskflow cluster` runs each one: functions-framework in ASGI mode on $PORT.
# With arguments it runs that `taskflow` command (relay, dispatch, schedule, migrate, ...).
set -eu

if [ "$#" -gt 0 ]; then
    exec taskflow "$@"
fi

# One small import checks the name against the route table and finds the source file.
if ! source_file=$(python - "${FUNCTION_TARGET:-}" <<'PY'
import sys
from pathlib import Path

import functions.routes as routes

target = sys.argv[1]
if target not in routes.targets():
    problem = "is not set" if not target else f"names no function ({target!r})"
    sys.exit(
        f"taskflow image: FUNCTION_TARGET {problem}; set it to one of: "
        f"{', '.join(routes.targets())}; or pass a taskflow command "
        "(relay, dispatch, schedule, migrate, prune, gateway, dev)"
    )
print(Path(routes.__file__).with_name("main.py"))
PY
); then
    exit 64  # EX_USAGE: the container was started wrongly, not broken
fi

# exec: the server becomes this process, so the runtime's SIGTERM reaches it directly.
# Every address by default (a container's only way in); HOST narrows it (tests: loopback).
exec functions-framework --asgi --source "$source_file" --target "$FUNCTION_TARGET" \
    --host "${HOST:-0.0.0.0}" --port "${PORT:-8080}"
