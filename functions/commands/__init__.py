"""The `taskflow` subcommands, one module each: `arguments(parser)` declares its flags and
`run(args)` does its job. Heavy imports stay inside `run`, so `taskflow --help` starts fast."""
