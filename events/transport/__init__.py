"""How events travel: the relay, the RabbitMQ topology, the dispatcher, the in-process broker
and the local scheduler. An outer layer, beside the gateway and the CLI: it may import the
core and the route table; nothing in the contract or the core imports it."""
