"""TaskFlow's event contract and its transport (CloudEvents over RabbitMQ)."""
