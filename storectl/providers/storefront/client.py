"""The store API as a storefront calls it: the publishable key header, a browser's preflight.

One bounded httpx client per backend (storectl/net/transport.py: every byte read within the
probe's one deadline, bodies capped), GETs retried through net/retry.py; transport failures
and exceeded limits become NetworkError with their stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storectl import __version__
from storectl.errors import NetworkError
from storectl.model import Stage
from storectl.net import retry
from storectl.net.deadline import Deadline
from storectl.net.limits import LimitExceeded
from storectl.net.transport import bounded_client
from storectl.providers.medusa_api import Query, body_message, json_object, request
from storectl.providers.medusa_settings import preflight
from storectl.providers.probe import tls_context
from storectl.providers.shape import Object

if TYPE_CHECKING:
    import httpx

_RETRY_STATUSES = (429, 502, 503, 504)


class _Exact:
    """The deadline as limits reads it: no floor, so a spent budget reads as spent."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def remaining(self) -> float:
        return self.deadline.remaining(floor=0.0)


class Store:
    """A client of one backend's store API, sending the storefront's publishable key."""

    def __init__(self, base: str, key: str, deadline: Deadline, var: str) -> None:
        self.base = base.rstrip("/")
        self.key = key
        self.var = var
        self.deadline = deadline
        self.http = bounded_client(
            _Exact(deadline),
            ssl_context=tls_context(),
            base_url=self.base,
            timeout=deadline.seconds,
            headers={"User-Agent": f"storectl/{__version__}"},
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request within the deadline; a GET meeting 429/502-504 is tried again."""

        def once() -> httpx.Response:
            try:
                return request(self.http, method, path, **kwargs)
            except LimitExceeded as exc:
                raise NetworkError(
                    Stage(exc.stage),
                    f"{self.base}: {exc.message}",
                    "raise --timeout for a slow backend"
                    if exc.stage == "TIMEOUT"
                    else "is this a Medusa backend?",
                ) from None

        def again(response: httpx.Response) -> retry.Again | None:
            if method != "GET" or response.status_code not in _RETRY_STATUSES:
                return None
            return retry.Again(retry.retry_after(response.headers))

        return retry.call(once, self.deadline, on_result=again)

    def get(self, path: str, params: Query | None = None) -> Object:
        """A store API GET with the publishable key, which must answer 200 with JSON."""
        response = self.send(
            "GET", path, params=params or {}, headers={"x-publishable-api-key": self.key}
        )
        status, message = response.status_code, body_message(response)
        if status == 200:
            return json_object(
                response,
                f"GET {path}",
                f"is {self.var} the Medusa backend, not the storefront or a proxy page?",
            )
        if status in (400, 401) and message:
            raise NetworkError(
                Stage.AUTH,
                f"the backend refused the publishable key: {message}",
                "copy a key from Admin > Settings > Publishable API Keys into "
                "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY",
            )
        if status == 401:
            raise NetworkError(Stage.AUTH, f"GET {path} answered 401", "check the key")
        if status == 403:
            raise NetworkError(
                Stage.PERMISSION,
                f"GET {path}: {message or 'Forbidden'}",
                "a proxy in front of the backend refuses the storefront: check its rules",
            )
        if status == 404:
            raise NetworkError(
                Stage.NOT_FOUND,
                f"GET {path}: no such route ({message or 'not found'})",
                f"check {self.var}: a Medusa 2.x backend, without a path",
            )
        raise NetworkError(
            Stage.PROTOCOL,
            f"GET {path} answered {status}" + (f": {message}" if message else ""),
            "see the backend's log",
        )

    def preflight(self, path: str, origin: str, method: str) -> str | None:
        """A browser's CORS preflight; the Access-Control-Allow-Origin that came back."""
        return preflight(self.send, path, origin, method)
