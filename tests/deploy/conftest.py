"""The deployment files' tools, run for real: nginx under a prefix of its own, envsubst, and a
name server for the names nginx resolves."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
import yaml

from functions.deploy import compose, nginx
from tests.e2e.conftest import ROOT, servers  # noqa: F401 - the fixture, shared with tests/e2e

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ENVSUBST = shutil.which("envsubst") or "/usr/bin/envsubst"
MIME_TYPES = Path("/etc/nginx/mime.types")
KNATIVE_GATEWAY = ROOT / "knative" / "base" / "gateway" / "deployment.yaml"


def substitute(template: str, values: Mapping[str, str]) -> str:
    """What the nginx image does at start: envsubst, limited to TaskFlow's variables."""
    assert set(values) == set(nginx.TEMPLATE_VARIABLES), "every template variable is set"
    names = " ".join(f"${{{name}}}" for name in values)
    done = subprocess.run(
        [ENVSUBST, names],
        input=template,
        env={**values, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def main_config(prefix: Path, server_config: str) -> Path:
    """An nginx.conf that needs no root: pid, logs and temporary files under `prefix`."""
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    (prefix / "default.conf").write_text(server_config)
    temp = "\n".join(
        f"  {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = prefix / "nginx.conf"
    # Started by root, nginx's workers would be `nobody`, shut out of pytest's private tmp.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    config.write_text(
        f"""{user}
pid {prefix / "nginx.pid"};
error_log stderr warn;
events {{}}
http {{
  include {MIME_TYPES};
  access_log off;
{temp}
  include {prefix / "default.conf"};
}}
"""
    )
    return config


def nginx_test(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NGINX, "-t", "-p", str(config.parent), "-c", str(config), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )


def compose_gateway_environment() -> dict[str, str]:
    """The template variables the compose file gives the gateway."""
    document = yaml.safe_load((ROOT / compose.COMPOSE_PATH).read_text())
    environment = document["services"]["gateway"]["environment"]
    return {name: str(environment[name]) for name in nginx.TEMPLATE_VARIABLES}


def knative_gateway_environment() -> dict[str, str]:
    """The template variables the Knative gateway Deployment gives nginx."""
    if not KNATIVE_GATEWAY.exists():
        pytest.fail(f"{KNATIVE_GATEWAY.relative_to(ROOT)} is missing: run `taskflow render`")
    deployment = yaml.safe_load(KNATIVE_GATEWAY.read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    environment = {item["name"]: item.get("value", "") for item in container.get("env", [])}
    return {name: str(environment[name]) for name in nginx.TEMPLATE_VARIABLES}


class NameServer:
    """A DNS server on the host's loopback, standing in for the cluster's: A records for the
    names given, NXDOMAIN for every other (nginx resolves each function's service name)."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = {name.lower(): address for name, address in answers.items()}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = int(self.socket.getsockname()[1])
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                data, client = self.socket.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            answer = dns.message.make_response(query)
            answer.flags |= dns.flags.AA
            (question,) = query.question
            address = self.answers.get(question.name.to_text(omit_final_dot=True).lower())
            if address is None:
                answer.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.A:
                answer.answer.append(dns.rrset.from_text(question.name, 5, "IN", "A", address))
            self.socket.sendto(answer.to_wire(), client)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.socket.close()
