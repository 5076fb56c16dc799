"""The source file functions-framework loads: `--source functions/main.py --target NAME`.

It defines no function itself: a target is imported, with only its own module, on lookup.
"""

from typing import Any

from functions.routes import load_target


def __getattr__(name: str) -> Any:
    return load_target(name)
