"""SQL built to be reused: statement shapes, their dialect branches and caches, and row mapping.

Nothing here opens a connection or runs a statement; the services do, in the transaction or
read they own.
"""
