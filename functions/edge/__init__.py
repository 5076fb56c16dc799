"""The HTTP edge every function shares: parse, authenticate, call, answer, map errors.

`endpoint` wraps an HTTP handler; `functions.sink.event_sink` wraps a CloudEvent handler; both
answer errors through the one mapping in `problems`.
"""

from functions.edge.endpoint import Call, EndpointSpec, Header, Reply, endpoint, spec_of
from functions.edge.parsing import read_body
from functions.edge.problems import PROBLEM_JSON, BadRequest, error_response, problem
from functions.edge.serving import LIVENESS_BODY, LIVENESS_PATH, is_liveness_probe, served

__all__ = [
    "LIVENESS_BODY",
    "LIVENESS_PATH",
    "PROBLEM_JSON",
    "BadRequest",
    "Call",
    "EndpointSpec",
    "Header",
    "Reply",
    "endpoint",
    "error_response",
    "is_liveness_probe",
    "problem",
    "read_body",
    "served",
    "spec_of",
]
