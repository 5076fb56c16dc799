"""Benchmarks: cold starts and list throughput, each against a floor measured in the same run."""
