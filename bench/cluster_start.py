"""`taskflow cluster`: how long until every function answers /healthz, and the memory it holds.

    python -m bench.cluster_start [--runs 3]

Each run starts `taskflow cluster` on a database, Redis prefix and RabbitMQ vhost of its own,
times process start to the moment the last function answers its probe (the database migration
and the key check `taskflow cluster` does first included), then sums RSS and PSS over every
process it started (supervisord, the functions, the relay, the dispatcher, the scheduler and the
gateway). PSS counts a page shared by N processes as 1/N in each: the machine's real cost.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import httpx

from bench.results import Row, record
from bench.servers import memory_mib, process_tree
from bench.stack import BIN, Stack, free_port, precompile, rabbitmq_vhost, start
from functions.cluster import function_urls

DEADLINE_SECONDS = 120.0


def measure(stack: Stack, amqp_url: str) -> tuple[float, float, float, int]:
    """Seconds to every /healthz answering; RSS and PSS (MiB); how many processes."""
    port = free_port()
    base_port = 21000 + (os.getpid() % 50) * 100
    env = {**stack.env(), "TASKFLOW_AMQP_URL": amqp_url}
    command = [str(BIN / "taskflow"), "cluster", "--port", str(port), "--base-port", str(base_port)]
    began = time.perf_counter()
    process = start(command, port, env, stack.workdir / f"cluster-{port}.log")
    try:
        waiting = {t: url + "/healthz" for t, url in function_urls("127.0.0.1", base_port).items()}
        with httpx.Client(timeout=2) as client:
            while waiting:
                for target, url in list(waiting.items()):
                    try:
                        if client.get(url).status_code == 200:
                            del waiting[target]
                    except httpx.TransportError:
                        pass
                if process.popen.poll() is not None:
                    raise RuntimeError(f"taskflow cluster exited:\n{process.output()}")
                if time.perf_counter() - began > DEADLINE_SECONDS:
                    raise RuntimeError(f"still not answering: {sorted(waiting)}")
                time.sleep(0.02)  # the polling interval
        seconds = time.perf_counter() - began
        time.sleep(2)  # the pipeline's processes finish starting too
        rss, pss = memory_mib(process.popen.pid)
        return seconds, rss, pss, len(process_tree(process.popen.pid))
    finally:
        process.stop(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    precompile()
    results = []
    with Stack(tasks=0) as stack, rabbitmq_vhost() as amqp_url:
        for _ in range(args.runs):
            results.append(measure(stack, amqp_url))
    print(f"\ntaskflow cluster, median of {args.runs} runs\n")
    print(f"{'every /healthz answering':<28} {statistics.median(r[0] for r in results):>8.1f} s")
    print(f"{'RSS, every process':<28} {statistics.median(r[1] for r in results) / 1024:>8.2f} GiB")
    print(f"{'PSS, every process':<28} {statistics.median(r[2] for r in results) / 1024:>8.2f} GiB")
    print(f"{'processes':<28} {results[0][3]:>8}")
    seconds = statistics.median(r[0] for r in results)
    pss_gib = statistics.median(r[2] for r in results) / 1024
    record(
        [
            Row("cluster_start", "every /healthz answering", "s", seconds, None, "within 10 s"),
            Row("cluster_start", "PSS, every process", "GiB", pss_gib, None, "under 1.5 GiB"),
        ]
    )


if __name__ == "__main__":
    main()
