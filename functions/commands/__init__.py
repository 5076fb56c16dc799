"""The `taskflow` subcommands, one module each: `run(args)` does its job and, when it takes
flags, `arguments(parser)` declares them; `functions.cli` lists every one once. Heavy imports
stay inside `run`, so `taskflow --help` starts fast."""
