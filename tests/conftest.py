"""Test-session setup: a network guard that keeps every test on this machine.

For the whole session, ``socket.socket.connect`` / ``connect_ex``, ``socket.create_connection``
and ``socket.getaddrinfo`` refuse any address that is not loopback (127.0.0.0/8, ::1,
``localhost``); Unix sockets stay allowed. A refused attempt raises
:class:`NetworkBlockedError` *and* is noted, and the test that made it fails in teardown even if
some library swallowed the exception (the openai SDK, for one, wraps every error).

Self-contained on purpose (no imports from the project or from ``helpers``): a test copies this
file into a scratch directory to prove, in a separate pytest run, that the guard trips.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

#: The real functions, looked up at call time so a test can stand in for the network itself.
REAL: dict[str, Callable[..., Any]] = {
    "connect": socket.socket.connect,
    "connect_ex": socket.socket.connect_ex,
    "create_connection": socket.create_connection,
    "getaddrinfo": socket.getaddrinfo,
}

#: Blocked attempts not yet charged to a test.
VIOLATIONS: list[str] = []

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", ""})


class NetworkBlockedError(RuntimeError):
    """A test tried to reach a non-loopback address.

    A RuntimeError, not an OSError: httpx would turn an OSError into a retryable ConnectError.
    """


def is_local_host(host: object) -> bool:
    """Whether ``host`` (name or address) stays on this machine."""
    if host is None:
        return True  # getaddrinfo(None, port): a passive lookup for binding
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False  # any other name would need DNS, i.e. the network
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _check(what: str, address: object) -> None:
    host = address[0] if isinstance(address, tuple) and address else address
    if isinstance(address, (str, bytes)) and not isinstance(address, tuple):
        return  # AF_UNIX path
    if not is_local_host(host):
        message = f"{what} to {host!r} blocked: tests must not leave this machine"
        VIOLATIONS.append(message)
        raise NetworkBlockedError(message)


def _connect(self: socket.socket, address: Any) -> None:
    if self.family != socket.AF_UNIX:
        _check("socket.connect", address)
    REAL["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if self.family != socket.AF_UNIX:
        _check("socket.connect_ex", address)
    result: int = REAL["connect_ex"](self, address)
    return result


def _create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
    _check("socket.create_connection", address)
    sock: socket.socket = REAL["create_connection"](address, *args, **kwargs)
    return sock


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    _check("socket.getaddrinfo", (host,))
    return REAL["getaddrinfo"](host, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _network_guard() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _connect)
        patch.setattr(socket.socket, "connect_ex", _connect_ex)
        patch.setattr(socket, "create_connection", _create_connection)
        patch.setattr(socket, "getaddrinfo", _getaddrinfo)
        yield


@pytest.fixture(autouse=True)
def _fail_on_network_access(_network_guard: None) -> Iterator[None]:
    """Fail the test that tried the network, even when its code swallowed the error."""
    start = len(VIOLATIONS)
    yield
    caught = VIOLATIONS[start:]
    del VIOLATIONS[start:]
    if caught:
        pytest.fail("network access outside loopback: " + "; ".join(caught), pytrace=False)
