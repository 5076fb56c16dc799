"""`taskflow kn`: one `kn service apply` per function, from the route table.

Each command reads the function's rendered manifest (`--filename`, for what kn has no flag
for: the restricted security context, probes, the /tmp volume, the stream's timeout) and
states the rest as flags with the same values: the image, the function's environment, the
configuration and secrets by reference, scaling and visibility. Run it from the repository
root, after `kubectl apply -k knative/overlays/<env>` has created the namespace,
configuration, secrets, service accounts and the eventing objects (Broker, Triggers,
PingSources), which `kn` does not manage here.
"""

from __future__ import annotations

from typing import Final

from functions.deploy.knative.common import (
    BASE,
    CONFIG_MAP,
    MAX_SCALE,
    MIN_SCALE,
    SCALE_DOWN_DELAY,
    SECRET,
    TARGET,
)
from functions.deploy.knative.serving import FunctionSpec, function_specs

KN: Final = "kn"


def manifest_path(spec: FunctionSpec) -> str:
    return f"{BASE}/functions/{spec.name}.yaml"


def service_apply(spec: FunctionSpec, image: str, namespace: str) -> list[str]:
    """The `kn service apply` command for one function."""
    command = [KN, "service", "apply", spec.name, "--namespace", namespace]
    command += ["--filename", manifest_path(spec), "--image", image]
    for name, value in spec.env.items():
        command += ["--env", f"{name}={value}"]
    command += ["--env-from", f"cm:{CONFIG_MAP}", "--env-from", f"secret:{SECRET}"]
    command += ["--scale-min", spec.annotations[MIN_SCALE]]
    command += ["--scale-max", spec.annotations[MAX_SCALE]]
    command += ["--scale-target", spec.annotations[TARGET]]
    command += ["--concurrency-limit", str(spec.container_concurrency)]
    if SCALE_DOWN_DELAY in spec.annotations:
        delay = spec.annotations[SCALE_DOWN_DELAY]
        command += ["--annotation-revision", f"{SCALE_DOWN_DELAY}={delay}"]
    for kind, values in (("--request", spec.requests), ("--limit", spec.limits)):
        command += [kind, ",".join(f"{name}={value}" for name, value in values.items())]
    if spec.timeout_seconds is not None:
        command += ["--timeout", str(spec.timeout_seconds)]
    command += ["--service-account", spec.service_account]
    command.append("--cluster-local" if spec.cluster_local else "--no-cluster-local")
    return command


def commands(image: str, namespace: str) -> list[list[str]]:
    """One `kn service apply` per function of the route table, in table order."""
    return [service_apply(spec, image, namespace) for spec in function_specs()]
