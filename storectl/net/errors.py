"""THE classifier of transport errors: whatever an SDK or the bounded transport raised, however
wrapped, as a stage and a short reason. Clients (providers/*_api.py) add what only they know
(a hint naming their variable); nobody else looks at socket, TLS or HTTP-exchange errors."""

from __future__ import annotations

from collections.abc import Iterator

from storectl.model import Stage


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from or during (SDKs wrap socket errors)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def broken_exchange(exc: BaseException) -> BaseException | None:
    """The HTTP client's "the peer broke the exchange" error (httpx's RemoteProtocolError: a
    close mid-response, a malformed status line) anywhere in the chain; matched by name, so
    this module imports no SDK (start-up)."""
    return next((e for e in chain(exc) if type(e).__name__ == "RemoteProtocolError"), None)


def network_stage(exc: BaseException) -> tuple[Stage, str] | None:
    """Classify a transport failure (however wrapped) into a stage and a short reason; None
    when it is none (an SDK's own error: its client classifies it)."""
    import socket  # here, not at the top: `storectl status` never needs them (start-up)
    import ssl

    for item in chain(exc):
        if isinstance(item, socket.gaierror):
            return Stage.DNS, "the host name does not resolve"
        if isinstance(item, ssl.SSLCertVerificationError):
            return Stage.TLS, f"the certificate is not trusted ({item.verify_message})"
        if isinstance(item, ssl.SSLError):
            reason = item.reason or str(item)
            if "WRONG_VERSION_NUMBER" in str(reason).upper():
                return Stage.TLS, "TLS handshake failed: the server is not speaking TLS here"
            return Stage.TLS, f"TLS handshake failed ({reason})"
        if isinstance(item, ConnectionRefusedError):
            return Stage.CONNECT, "connection refused: nothing listens on that port"
        if isinstance(item, TimeoutError | socket.timeout):
            if "handshake" in str(item):
                return Stage.TLS, "the TLS handshake got no answer: the port does not speak TLS"
            return Stage.TIMEOUT, "no answer in time"
        if isinstance(item, ConnectionResetError | BrokenPipeError | EOFError):
            return Stage.PROTOCOL, "the server closed the connection"
    for item in chain(exc):
        if isinstance(item, OSError) and item.errno is not None:
            return Stage.CONNECT, f"cannot connect ({item.strerror or item})"
    broken = broken_exchange(exc)
    if broken is not None:
        return Stage.PROTOCOL, f"the server broke the HTTP exchange ({broken})"
    return None
