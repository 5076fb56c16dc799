"""The CloudEvent codec under atheris (libFuzzer, coverage-guided), with the same checks as the
Hypothesis fuzz tests: every input is read as an HTTP CloudEvent and as a RabbitMQ message, and
may only give an event that writes out again or `InvalidEvent`, within a second.

    python -m tests.fuzz.atheris_codec [libFuzzer options] NEW_INPUTS_DIR SEED_DIR...

libFuzzer writes the inputs it finds to the first folder: `make fuzz` names a temporary one,
then the corpus folders (`tests/fuzz/corpus/http`, `.../amqp`), which it only reads.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    # Instrumented, so libFuzzer sees which branches of the codec an input reaches.
    import events.codec  # noqa: F401

from tests.fuzz.harness import amqp_parts, check_amqp, check_http, read_message, within_limit


def one_input(data: bytes) -> None:
    message = read_message(data)
    with within_limit(lambda: repr(data[:200])):
        check_http(message.header_dict(), message.body)
        check_amqp(*amqp_parts(message))


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
