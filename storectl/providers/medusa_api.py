"""The Medusa admin client: one httpx client per run (base URL, timeout, User-Agent), auth once;
transport failures become NetworkError, and GETs retry through net/retry.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from storectl import __version__, redact
from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Stage
from storectl.net import deadline as budget
from storectl.net import limits, retry
from storectl.net.deadline import Deadline
from storectl.providers.probe import TRUST_HINT, network_stage, tls_context
from storectl.providers.shape import JSON, Object, is_objects, obj
from storectl.providers.values import is_http_url, url_unparseable
from storectl.redact import clean_peer_text

if TYPE_CHECKING:
    import httpx

    from storectl.net import limits  # lazy elsewhere: off the start-up path

#: A request's query: storectl's own values, lists of names, or ids as a peer sent them.
Query: TypeAlias = "Mapping[str, JSON | Sequence[str]]"

STRIPE_PROVIDER = "pp_stripe_stripe"


_RETRY_STATUSES = (429, 502, 503, 504)


PUBLISHABLE_KEY_REQUIRED = "Publishable API key required"


REGION_FIELDS = "id,name,currency_code,*countries,*payment_providers"


def body_message(response: httpx.Response) -> str | None:
    """The `message` of a Medusa error body, scrubbed (peer text), or None."""
    data = obj(parse(response))
    if data is None or not data.get("message"):
        return None
    return clean_peer_text(str(data.get("message")))


def parse(response: httpx.Response) -> JSON:
    """The JSON of an answer, or None when its body is not JSON: where a peer's answer becomes
    a typed value (readers then check its shape)."""
    try:
        data: JSON = response.json()
    except ValueError:
        return None
    return data


def json_object(response: httpx.Response, what: str, hint: str) -> Object:
    """The JSON object of a 200 answer; anything else there is a PROTOCOL error (a proxy page)."""
    data = obj(parse(response))
    if data is not None:
        return data
    raise NetworkError(
        Stage.PROTOCOL,
        f"{what} answered 200 with {response.headers.get('content-type')}, not JSON",
        hint,
    )


def request(http: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One httpx request; transport failures become a NetworkError with their stage."""
    import httpx

    from storectl.net import limits, transport

    where = str(http.base_url).rstrip("/") or url
    try:
        response = http.request(method, url, **kwargs)
        transport.read_body(response)  # the whole body, capped and by the deadline, read here
        return response
    except limits.LimitExceeded as exc:
        raise limit_error(exc, where) from None
    except httpx.TimeoutException:
        raise NetworkError(
            Stage.TIMEOUT,
            f"{where} did not answer {method} {url} in time",
            "is the backend up? Raise --timeout for a slow cold start",
        ) from None
    except httpx.HTTPError as exc:
        net = network_stage(exc)
        stage, reason = net if net else (Stage.CONNECT, str(exc) or type(exc).__name__)
        hint = (
            TRUST_HINT
            if "certificate" in reason
            else "check MEDUSA_BACKEND_URL (or STRIPE_WEBHOOK_URL) and that the backend is running"
        )
        raise NetworkError(stage, f"{where}: {reason}", hint) from None


def limit_error(exc: limits.LimitExceeded, where: str) -> NetworkError:
    """A limit the backend (or a URL) exceeded, as a NetworkError with its stage."""
    if exc.stage == limits.TIMEOUT:
        return NetworkError(
            Stage.TIMEOUT,
            f"{where}: {exc.message}",
            "is the backend up and answering at full speed? Raise --timeout for a slow one",
        )
    return NetworkError(
        Stage.PROTOCOL,
        f"{where}: {exc.message}",
        "is MEDUSA_BACKEND_URL the backend, not the storefront or a proxy page?",
    )


def http_client(deadline: Deadline, timeout: float, **kwargs: Any) -> httpx.Client:
    """An httpx client on the bounded transport: every connect, TLS handshake and read ends by
    the command's deadline, and a body is capped at limits.MAX_BODY after decompression."""
    from storectl.net import transport

    return transport.bounded_client(
        deadline,
        ssl_context=tls_context(),
        timeout=timeout,
        headers={"User-Agent": f"storectl/{__version__}"},
        **kwargs,
    )


def post_webhook(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    deadline: Deadline | None = None,
) -> httpx.Response:
    """POST an event to a webhook URL, as Stripe would: no credentials, just the signature."""
    with http_client(deadline or budget.for_command(timeout), timeout) as http:
        return request(http, "POST", url, content=body, headers=headers)


class Admin:
    """One httpx client per run against the backend: base URL, timeout, User-Agent, auth once."""

    def __init__(self, env: Env, timeout: float, deadline: Deadline | None = None) -> None:
        self.env = env
        self.base = env.value("MEDUSA_BACKEND_URL").rstrip("/")
        if self.base and not is_http_url(self.base):
            raise NetworkError(
                Stage.CONFIG,
                "MEDUSA_BACKEND_URL is not a usable http(s) URL"
                + (f": {url_unparseable(self.base)}" if url_unparseable(self.base) else ""),
                "write it as https://api.example.com (see 'storectl status')",
            )
        # The command's one deadline (shared with its other clients), unless given one.
        self.deadline = deadline or budget.for_command(timeout)
        self.http = http_client(self.deadline, timeout, base_url=self.base)
        self.auth_mode: str | None = None

    def __enter__(self) -> Admin:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request; transport failures become a NetworkError with their stage. A GET that
        meets 429 or a gateway error (502-504) is tried again through the one retry policy
        (Retry-After honoured) within the command's deadline: reads are safe to repeat, writes
        are not repeated."""

        def again(response: httpx.Response) -> retry.Again | None:
            if method != "GET" or response.status_code not in _RETRY_STATUSES:
                return None
            return retry.Again(retry.retry_after(response.headers))

        return retry.call(
            lambda: request(self.http, method, url, **kwargs), self.deadline, on_result=again
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Object:
        """An admin API call that must answer 200 with JSON."""
        return self.answer(self.send(method, path, **kwargs), method, path)

    def answer(self, response: httpx.Response, method: str, path: str) -> Object:
        """The JSON object of a 200 answer; any other answer as a NetworkError with its stage."""
        message = body_message(response)
        status = response.status_code
        if status == 200:
            return json_object(
                response,
                f"{method} {path}",
                "is MEDUSA_BACKEND_URL the backend, not the storefront or a proxy page?",
            )
        if status == 401:
            raise NetworkError(
                Stage.AUTH,
                f"the backend refused the admin credentials: {message or 'Unauthorized'}",
                "check MEDUSA_ADMIN_API_KEY (a secret key, sent as HTTP Basic) or "
                "MEDUSA_ADMIN_EMAIL/MEDUSA_ADMIN_PASSWORD",
            )
        if status == 403:
            raise NetworkError(
                Stage.PERMISSION, f"{method} {path}: {message or 'Forbidden'}", "use an admin user"
            )
        if status == 404:
            raise NetworkError(
                Stage.NOT_FOUND,
                message or f"{method} {path}: no such route on this backend",
                "check MEDUSA_BACKEND_URL (a Medusa 2.x backend)"
                if message is None
                else "check the id or name",
            )
        if status >= 500:
            raise NetworkError(
                Stage.PROTOCOL,
                f"{method} {path}: the backend failed with {status}"
                + (f": {message}" if message else ""),
                "see the backend's log",
            )
        raise NetworkError(
            Stage.PROTOCOL,
            f"{method} {path} answered {status}" + (f": {message}" if message else ""),
            "see the backend's log",
        )

    def login(self) -> str | None:
        """Authenticate with the env's admin credentials; returns how, or None without any."""
        key = self.env.value("MEDUSA_ADMIN_API_KEY")
        if key:
            # Medusa takes secret API keys as HTTP Basic only (Bearer sk_... is refused: contract).
            import httpx

            self.http.auth = httpx.BasicAuth(key, "")
            self.call("GET", "/admin/regions", params={"limit": 1, "fields": "id"})
            self.auth_mode = "secret API key (HTTP Basic)"
            return self.auth_mode
        email, password = (
            self.env.value("MEDUSA_ADMIN_EMAIL"),
            self.env.get("MEDUSA_ADMIN_PASSWORD"),
        )
        if not email or not password:
            return None
        response = self.send(
            "POST", "/auth/user/emailpass", json={"email": email, "password": password}
        )
        message = body_message(response)
        if response.status_code == 401:
            raise NetworkError(
                Stage.AUTH,
                f"login as {email} refused: {message or 'Unauthorized'}",
                "check MEDUSA_ADMIN_EMAIL and MEDUSA_ADMIN_PASSWORD, or use MEDUSA_ADMIN_API_KEY",
            )
        data = obj(parse(response))
        if response.status_code != 200 or data is None:
            raise NetworkError(
                Stage.PROTOCOL,
                f"POST /auth/user/emailpass answered {response.status_code}"
                + (f": {message}" if message else ""),
                "is MEDUSA_BACKEND_URL a Medusa 2.x backend with the emailpass auth provider?",
            )
        if data.get("mfa_required") or data.get("verification_required"):
            raise NetworkError(
                Stage.AUTH,
                f"login as {email} needs a second step (multi-factor or verification)",
                "create a secret API key (Settings > Secret API Keys) and set MEDUSA_ADMIN_API_KEY",
            )
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise NetworkError(Stage.PROTOCOL, "login answered without a token", "see the log")

        redact.current().remember(token)  # the run's redactor: never print the session token

        # As client auth, not a default header: requests sent with auth=None (the webhook
        # probe, possibly to another host) then carry no admin token.
        def bearer(request: httpx.Request) -> httpx.Request:
            request.headers["Authorization"] = f"Bearer {token}"
            return request

        self.http.auth = bearer
        self.auth_mode = "email and password (JWT)"
        return self.auth_mode

    def pages(self, path: str, key: str, params: Query, limit: int) -> list[Object]:
        """Every item of a paginated admin list (limit/offset/count), at most limits.MAX_PAGES
        pages: a `count` that never ends is a PROTOCOL error naming the loop, as is a page or
        a count of the wrong shape (never guessed at)."""

        def fetch(offset: int | None) -> tuple[list[Object], int | None]:
            start = offset or 0
            data = self.call("GET", path, params={**params, "limit": limit, "offset": start})
            page = data.get(key)
            if page is None:
                page = []
            if not is_objects(page):
                raise _shape(path, f"`{key}` is a {type(page).__name__}, not a list of objects")
            count = data.get("count", 0)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise _shape(path, f"`count` is {_peer_value(count)}, not a number of items")
            end = start + len(page)
            return page, (end if page and end < count else None)

        try:
            return limits.pages(fetch, what=f"GET {path} (offset pagination)")
        except limits.LimitExceeded as exc:
            raise limit_error(exc, self.base) from None

    def regions(self) -> list[Object]:
        """Every region with its payment providers (they are not in the default fields)."""
        found = self.pages("/admin/regions", "regions", {"fields": REGION_FIELDS}, 50)
        return [_clean_region(region) for region in found]

    def set_payment_providers(self, region_id: str, ids: list[str]) -> Object:
        """Replace a region's payment providers (the list REPLACES: send the full set)."""
        data = self.call(
            "POST",
            f"/admin/regions/{region_id}",
            params={"fields": REGION_FIELDS},
            json={"payment_providers": ids},
        )
        region = obj(data.get("region"))
        if region is None:
            raise NetworkError(
                Stage.PROTOCOL, "the region update answered no region", "see the log"
            )
        return region

    def order(self, order_id: str, fields: str) -> Object:
        """One order with the given fields (email and currency_code must be asked for).

        Medusa 2.8.x's detail route answers line items without `quantity` (and item totals 0:
        @medusajs/order utils/transform-order.js maps `items.quantity` to the line item's own
        column); its list route is complete. So an order whose items lack it is read again
        through the list (`?id=`), and `items.detail.quantity` is the last resort."""
        order = obj(
            self.call("GET", f"/admin/orders/{order_id}", params={"fields": fields}).get("order")
        )
        if order is None:
            raise NetworkError(
                Stage.PROTOCOL, f"order {order_id}: no order in the answer", "see the log"
            )
        if "items.quantity" not in fields.split(",") or _quantities(order):
            return order
        listed = self.call(
            "GET", "/admin/orders", params={"id": order_id, "fields": fields, "limit": 1}
        ).get("orders")
        first = obj(listed[0]) if isinstance(listed, list) and listed else None
        if first is not None and _quantities(first):
            # the list's items and totals; the detail's own fields where the list has none
            # (2.8.8's list leaves the shipping address out: tests/test_real_differential.py)
            return {**order, **first}
        found = order.get("items") or []
        items = [_detail_quantity(i) for i in found] if isinstance(found, list) else []
        if not _quantities({"items": items}):
            raise NetworkError(
                Stage.PROTOCOL,
                f"order {order_id}: the backend answered line items without a quantity "
                "(GET /admin/orders/{id} and the order list)",
                "check the backend's Medusa release with 'storectl status' (tested: 2.8.x to "
                "2.21.x)",
            )
        return {**order, "items": items}

    def orders_since(self, since: str, fields: str) -> list[Object]:
        """Every order created at or after `since` (ISO date), oldest first. Medusa 2.8.x's list
        leaves the shipping address out even when asked for it: such orders are completed from
        the detail route, one request each (2.21 answers whole)."""
        params = {"fields": fields, "created_at[$gte]": since, "order": "created_at"}
        orders = self.pages("/admin/orders", "orders", params, 50)
        if "*shipping_address" not in fields.split(","):
            return orders
        return [
            o if "shipping_address" in o or not o.get("id") else self.order(str(o["id"]), fields)
            for o in orders
        ]

    def payment_providers(self) -> list[Object]:
        return self.pages("/admin/payments/payment-providers", "payment_providers", {}, 100)


def _quantities(order: Object) -> bool:
    """Whether every line item of `order` carries its quantity."""
    items = order.get("items") or []
    return isinstance(items, list) and all(
        isinstance(i, dict) and isinstance(i.get("quantity"), int | float) for i in items
    )


def _detail_quantity(item: JSON) -> JSON:
    """A line item with `quantity` taken from `detail.quantity` (the order item) when missing."""
    if not isinstance(item, dict) or item.get("quantity") is not None:
        return item
    detail = obj(item.get("detail"))
    quantity = detail.get("quantity") if detail is not None else None
    return {**item, "quantity": quantity} if quantity is not None else item


def _peer_value(value: JSON) -> str:
    """A short, printable form of a value the peer sent (control characters removed)."""
    return redact.clean_peer_text(repr(value)[:60])


def _shape(path: str, what: str) -> NetworkError:
    return NetworkError(
        Stage.PROTOCOL,
        f"GET {path} answered in an unexpected shape: {what}",
        "is MEDUSA_BACKEND_URL a Medusa 2.x backend (not a proxy or another API)?",
    )


def _clean_region(region: Object) -> Object:
    """A region whose names are fit to print: peer text loses its control characters."""
    return {
        k: redact.clean_peer_text(v) if k in ("id", "name") and isinstance(v, str) else v
        for k, v in region.items()
    }


def require_providers(region: Object) -> None:
    """Refuse to plan a write for a region whose current providers were not read: the POST
    replaces the whole list, so guessing "none" would drop the others."""
    found = region.get("payment_providers")
    if not isinstance(found, list):
        what = "omits" if found is None else "has a malformed"
        raise NetworkError(
            Stage.PROTOCOL,
            f"the backend's region {region.get('name') or region.get('id')} {what} "
            "`payment_providers`: its "
            "current payment providers are unknown, so nothing was written",
            "is MEDUSA_BACKEND_URL a Medusa 2.x backend? (storectl asks for "
            f"fields={REGION_FIELDS})",
        )


def provider_ids(region: Object) -> list[str]:
    found = region.get("payment_providers") or []
    return [
        # an object's `id` as sent (a peer's non-string id is shown, never trusted as a str)
        str(p["id"]) if isinstance(p, dict) else str(p)
        for p in (found if isinstance(found, list) else [])
    ]
