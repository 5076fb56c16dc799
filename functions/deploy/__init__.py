"""Deployment files rendered from the route table: nginx, docker compose, Knative, kn."""
