"""HTTP calls to addresses people give TaskFlow, made safe against server-side request forgery.

Outside the dev mode TaskFlow never calls into its own network: a URL is https without
userinfo, and each of its host's addresses is public. The host is resolved once per attempt,
every address vetted, and the connection made to a vetted address with the original Host
header and TLS name, so a second lookup cannot swap it for an internal one (DNS rebinding).
Redirects are not followed, and no proxy from the environment is used (a proxy would dial the
name itself, unvetted).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

from functions.core.errors import InvalidInput
from functions.core.settings import Settings

if TYPE_CHECKING:
    # Imported where used: reading and changing settings need no HTTP client (cold starts).
    import httpx

_DEFAULT_PORTS: Final = {"https": 443, "http": 80}
# Addresses inside other IPv6 forms that a router would reach as the IPv4 address itself.
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(InvalidInput):
    """A URL TaskFlow will never call (a 422 when added or tested; skipped when delivering)."""


class Unresolvable(Exception):
    """The host has no address right now (a delivery is retried; adding it is refused)."""


@dataclass(frozen=True)
class Target:
    """A URL fit to call, with the addresses to connect to (none: connect by name, dev only)."""

    url: httpx.URL
    addresses: tuple[str, ...]


async def vet(settings: Settings, url: str) -> Target:
    """Check `url` is one TaskFlow may call and resolve its host; AddressRefused if not."""
    import httpx

    try:
        parsed = httpx.URL(url)
        # `host` decodes an internationalised name, which can fail in many ways.
        host = parsed.raw_host.decode("ascii").lower().rstrip(".") if parsed.host else ""
    except (httpx.InvalidURL, ValueError, IndexError) as exc:  # IDNA errors are ValueErrors
        raise AddressRefused("not a valid URL") from exc
    dev = settings.webhooks_may_reach_private_addresses
    allowed = ("https", "http") if dev else ("https",)
    if parsed.scheme not in allowed:
        raise AddressRefused(f"webhook URLs must use {' or '.join(allowed)}")
    if parsed.userinfo:
        raise AddressRefused("webhook URLs cannot carry a user name or password")
    if not host:
        raise AddressRefused("the URL names no host")
    if dev:
        return Target(parsed, ())
    if host == "localhost" or host.endswith(".localhost"):
        raise AddressRefused("webhooks cannot call this machine")
    port = parsed.port or _DEFAULT_PORTS[parsed.scheme]
    try:
        async with asyncio.timeout(settings.webhook_timeout_seconds):
            addresses = await _resolve(host, port)
    except TimeoutError as exc:
        raise Unresolvable(f"{host} could not be resolved in time") from exc
    internal = sorted({a for a in addresses if not is_public_address(a)})
    if internal:
        raise AddressRefused(f"{host} resolves to an address that is not public ({internal[0]})")
    return Target(parsed, tuple(dict.fromkeys(addresses)))


async def _resolve(host: str, port: int) -> list[str]:
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:  # a label empty or too long: no lookup can ever answer it
        raise AddressRefused(f"{host} is not a valid host name") from exc
    except OSError as exc:
        raise Unresolvable(f"{host} could not be resolved") from exc
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        raise Unresolvable(f"{host} has no address")
    return addresses


def is_public_address(address: str) -> bool:
    """Reachable on the public internet, and not a door into ours in any of its forms."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if ip in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(inner is not None and not is_public_address(str(inner)) for inner in embedded):
            return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def post_pinned(
    client: httpx.AsyncClient, target: Target, headers: dict[str, str], body: bytes
) -> int:
    """The status of a POST to the first of the target's vetted addresses that takes a
    connection, sent with the URL's own Host header and TLS server name."""
    import httpx

    if not target.addresses:
        async with client.stream("POST", target.url, headers=headers, content=body) as answer:
            return answer.status_code
    host = target.url.raw_host.decode("ascii")
    pinned_headers = {**headers, "host": target.url.netloc.decode("ascii")}
    # Certificates are checked against the name the URL gives, not the address dialled.
    extensions = {"sni_hostname": host} if target.url.scheme == "https" and not _is_ip(host) else {}
    refused: httpx.ConnectError | None = None
    for address in target.addresses:
        try:
            async with client.stream(
                "POST",
                target.url.copy_with(host=address),
                headers=pinned_headers,
                content=body,
                extensions=extensions,
            ) as answer:
                return answer.status_code
        except httpx.ConnectError as exc:
            refused = exc  # this address did not take a connection: try the next
    raise refused or httpx.ConnectError("no address to connect to")


def http_client(settings: Settings) -> httpx.AsyncClient:
    """The client deliveries go through: no redirects, and no proxies from the environment
    (a proxy would dial the name itself, unvetted)."""
    import httpx

    return httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        verify=_tls_context(),
    )


@cache
def _tls_context() -> ssl.SSLContext:
    """Built once per process: loading the CA bundle costs milliseconds."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())
