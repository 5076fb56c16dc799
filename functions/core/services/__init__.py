"""The rules of TaskFlow, one module per concern; each service owns its transactions.

An entry point (what a handler, an event sink, the CLI or a test calls) takes the Runtime
first, `rt`, and opens the database work it needs itself: `reading(rt.engine)` on a read-only
path, `transaction(rt.engine)` for anything that writes, more than one where the work must
commit in steps or hold no connection while it hashes, resolves a host or calls out.
Handlers never import `functions.core.database` or open a transaction: they parse, call one
entry point, and answer. A helper that composes inside a caller's transaction takes the
connection, `conn`, and is named as a building block: a module of them (`task_events`,
`access`, `recipients`), a check (`require_role`), or an `_in` suffix (`create_task_in`).
"""
