"""The storefront's live probe: the store API as the storefront calls it (/health, regions
with the key, browser preflights, product images) and, with admin credentials, the publishable
key's sales channel, stock location and shipping. `probe()` runs the steps in order; each
records its checks on the probe's Steps.
"""

from __future__ import annotations

from datetime import UTC, datetime

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Check, Stage, Status
from storectl.net.deadline import Deadline
from storectl.providers.base import ProbeOptions
from storectl.providers.medusa_api import Admin
from storectl.providers.medusa_settings import cors_allows, cors_value, is_production, origin_of
from storectl.providers.probe import Steps
from storectl.providers.shape import JSON, Object, obj, objects
from storectl.providers.storefront.client import Store
from storectl.providers.storefront.lint import (
    BASE_URL,
    KEY,
    NAME,
    PUBLIC_URL,
    SERVER_URL,
    BackendUrl,
    backend_own,
    storefront_backend,
)
from storectl.providers.values import is_loopback, same_url, split_url

#: How many products' images are checked (one page of /store/products).
IMAGE_LIMIT = 50


def health(store: Store, url: BackendUrl, steps: Steps) -> bool:
    response = store.send("GET", "/health")
    text = response.text.strip()
    if response.status_code == 200 and text == "OK":
        steps.ok("health", f"{url.var} answers /health with OK")
        return True
    steps.fail(
        "health",
        Stage.PROTOCOL,
        f"GET /health on {url.var} answered {response.status_code} {text[:40]!r}, not 'OK'",
        f"is {url.var} ({url.source}) the Medusa backend (port 9000 by default), "
        "not the storefront itself?",
    )
    return False


def store_regions(store: Store, steps: Steps) -> list[Object]:
    data = store.get("/store/regions", {"fields": "id,name,*countries", "limit": 100})
    regions = objects(data.get("regions"))
    if not regions:
        steps.fail(
            "publishable-key",
            Stage.CONFIG,
            "the key is accepted but /store/regions is empty: nobody can check out",
            "create a region in Admin > Settings > Regions",
        )
        return regions
    bare = [str(r.get("name") or r.get("id")) for r in regions if not r.get("countries")]
    if bare:
        steps.warn(
            "publishable-key",
            Stage.CONFIG,
            f"the key is accepted, but {len(bare)} of {len(regions)} regions have no country: "
            + ", ".join(bare),
            "add countries to those regions in Admin > Settings > Regions",
        )
    else:
        steps.ok("publishable-key", f"the key is accepted: {len(regions)} regions")
    return regions


def regions_quiet(store: Store) -> list[Object]:
    try:
        data = store.get("/store/regions", {"fields": "id", "limit": 100})
    except NetworkError as exc:
        if exc.stage is Stage.AUTH:
            return []  # the key is not this backend's: certainly another backend
        raise
    return objects(data.get("regions"))


def cors(
    store: Store,
    origin: str,
    said: str,
    steps: Steps,
    in_file: dict[str, str | None] | None = None,
) -> None:
    """Browser preflights from the storefront's origin (`said`: where that origin came from).
    `in_file`: for each variable whose file value already allows the origin, where it is set;
    then a refusal means the running backend differs from the file (issue 21 B)."""
    in_file = in_file or {}
    for check, path, method, var in (
        ("cors-store", "/store/regions", "GET", "STORE_CORS"),
        ("cors-auth-customer", "/auth/customer/emailpass", "POST", "AUTH_CORS"),
    ):
        allowed = store.preflight(path, origin, method)
        if allowed == origin:
            steps.ok(check, f"a browser on {origin} may call {path}")
            continue
        got = "no Access-Control-Allow-Origin" if allowed is None else f"{allowed!r}"
        summary = f"the preflight to {path} from {origin} ({said}) got {got}"
        if var in in_file:
            where = in_file[var] or "the store's env"
            steps.fail(
                check,
                Stage.CONFIG,
                f"{summary}: {var} ({where}) allows it, the running backend does not",
                f"the file allows it; the running backend does not: redeploy (or restart) the "
                f"backend so it runs with {var} as set in {where}",
            )
        else:
            steps.fail(
                check,
                Stage.CONFIG,
                f"{summary}: the browser blocks the call (neither {var} nor the running "
                "backend allows it)",
                f"add {origin} to {var} on the backend (comma-separated, no spaces) and restart",
            )


def images(production: bool, store: Store, steps: Steps) -> None:
    """Product image URLs a visitor's browser can load (not localhost, not plain http)."""
    data = store.get("/store/products", {"fields": "id,thumbnail,*images", "limit": IMAGE_LIMIT})
    urls: list[str] = []
    for product in objects(data.get("products")):
        thumbnail = product.get("thumbnail")
        if isinstance(thumbnail, str):
            urls.append(thumbnail)
        urls += [u for i in objects(product.get("images")) if isinstance(u := i.get("url"), str)]
    if not urls:
        # nothing was proven: a skip with its reason, not a pass (issue 21 C)
        steps.add("product-images", Status.SKIP, "no product images to check: the store lists none")
        return
    bad = []
    for item in urls:
        parts = split_url(item)
        if parts is None or is_loopback(parts.hostname) or parts.scheme == "http":
            bad.append(item)
    local = [u for u in bad if (p := split_url(u)) is None or is_loopback(p.hostname)]
    if bad and (production or local):
        steps.add(
            "product-images",
            Status.FAIL if production else Status.WARN,
            f"{len(bad)} of {len(urls)} image URLs are on localhost or plain http, e.g. "
            f"{bad[0]}: visitors see broken images",
            hint="use a file provider with a public URL (S3_FILE_URL), or set the local file "
            "provider's backend_url to the backend's public URL, then re-upload",
            stage=Stage.CONFIG,
        )
    else:
        steps.ok("product-images", f"{len(urls)} image URLs, none on localhost")


def key_sales_channel(
    env: Env, key_var: str, regions: list[Object], deadline: Deadline, steps: Steps
) -> None:
    """With admin credentials: the key is live, its sales channel can sell and ship."""
    with Admin(env, deadline.remaining(), deadline) as admin:
        if admin.login() is None:
            steps.add(
                "key-sales-channel",
                Status.SKIP,
                "no admin credentials: the key's sales channel, stock location and shipping "
                "options are not checked",
                hint="set MEDUSA_ADMIN_API_KEY (or MEDUSA_ADMIN_EMAIL and MEDUSA_ADMIN_PASSWORD)",
            )
            return
        keys = admin.pages(
            "/admin/api-keys",
            "api_keys",
            {"type": "publishable", "fields": "id,title,token,revoked_at,*sales_channels"},
            100,
        )
        key = next((k for k in keys if k.get("token") == env.value(key_var)), None)
        if key is None:
            steps.fail(
                "key-sales-channel",
                Stage.CONFIG,
                f"{key_var} is not one of this backend's publishable keys",
                "copy the key from this backend's Admin > Settings > Publishable API Keys",
            )
            return
        title = key.get("title") or key.get("id")
        revoked = key.get("revoked_at")
        if revoked and not _in_future(revoked):
            steps.fail(
                "key-sales-channel",
                Stage.AUTH,
                f"the publishable key '{title}' was revoked at {revoked}",
                "create a new publishable key and put it in " + key_var,
            )
            return
        channels = objects(key.get("sales_channels"))
        if not channels:
            steps.fail(
                "key-sales-channel",
                Stage.CONFIG,
                f"the publishable key '{title}' has no sales channel: the store lists no "
                "products and carts cannot be created",
                "add a sales channel to the key in Admin > Settings > Publishable API Keys",
            )
            return
        names = ", ".join(str(c.get("name") or c.get("id")) for c in channels)
        if revoked:
            steps.warn(
                "key-sales-channel",
                Stage.AUTH,
                f"the key '{title}' works now but is scheduled to be revoked at {revoked} "
                f"(sales channels: {names})",
                "create a new publishable key and put it in " + key_var + " before then",
            )
        else:
            steps.ok("key-sales-channel", f"the key '{title}' is live, sales channels: {names}")
        stock_and_shipping(admin, channels, regions, steps)


def _in_future(value: JSON) -> bool:
    """Whether a revoked_at is still ahead: Medusa refuses a key only once revoked_at <= now
    (POST /admin/api-keys/{id}/revoke takes `revoke_in`); an unreadable date counts as past."""
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when > datetime.now(UTC)


def stock_and_shipping(
    admin: Admin, channels: list[Object], regions: list[Object], steps: Steps
) -> None:
    countries: set[str] = set()
    missing: list[str] = []
    for channel in channels:
        locations = admin.pages(
            "/admin/stock-locations",
            "stock_locations",
            {"sales_channel_id": channel.get("id"), "fields": "id,name"},
            100,
        )
        if not locations:
            missing.append(str(channel.get("name") or channel.get("id")))
        for location in locations:
            options = admin.pages(
                "/admin/shipping-options",
                "shipping_options",
                {
                    "stock_location_id": location.get("id"),
                    "fields": "id,name,service_zone.geo_zones.country_code",
                },
                100,
            )
            for option in options:
                zone = obj(option.get("service_zone")) or {}
                for geo in objects(zone.get("geo_zones")):
                    if geo.get("country_code"):
                        countries.add(str(geo["country_code"]).lower())
    if missing:
        steps.fail(
            "stock-location",
            Stage.CONFIG,
            f"sales channel {', '.join(missing)} has no stock location: items cannot be "
            "added to a cart (no inventory) and no shipping option applies",
            "link a stock location to the sales channel in Admin > Settings > Locations",
        )
        return
    steps.ok("stock-location", "every sales channel of the key has a stock location")
    unserved = []
    for region in regions:
        codes = {str(c.get("iso_2", "")).lower() for c in objects(region.get("countries"))}
        if not codes & countries:
            unserved.append(str(region.get("name") or region.get("id")))
    if unserved:
        steps.fail(
            "shipping-options",
            Stage.CONFIG,
            f"no shipping option for the key's sales channel serves region "
            f"{', '.join(unserved)}: checkout stops at delivery",
            "add a shipping option for those countries in Admin > Settings > Locations & Shipping",
        )
    else:
        steps.ok("shipping-options", f"each of the {len(regions)} regions has a shipping option")


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    deadline = Deadline(options.timeout)
    url = storefront_backend(env) or backend_own(env)
    if url is None:
        steps = Steps(NAME)
        steps.add(
            "backend-url",
            Status.SKIP,
            f"no backend URL: set {SERVER_URL} (or {PUBLIC_URL}) in the storefront's env",
        )
        return steps.checks
    steps = Steps(NAME, url.value)
    step = "health"
    try:
        with Store(url.value, env.value(KEY), deadline, url.var) as store:
            if not health(store, url, steps):
                return steps.checks
            step = "publishable-key"
            regions = store_regions(store, steps)
            step = "same-backend"
            _same_backend(env, url, regions, deadline, steps)
            step = "cors-store"
            _cors(env, store, options, steps)
            step = "product-images"
            images(is_production(env), store, steps)
        step = "key-sales-channel"
        if backend_own(env) is not None:
            key_sales_channel(env, KEY, regions, deadline, steps)
    except NetworkError as exc:
        steps.fail(step, exc.stage, exc.message, exc.hint)
    return steps.checks


def _same_backend(
    env: Env,
    url: BackendUrl,
    regions: list[Object],
    deadline: Deadline,
    steps: Steps,
) -> None:
    own = backend_own(env)
    if own is None or same_url(own.value, url.value):
        return
    with Store(own.value, env.value(KEY), deadline, SERVER_URL) as other:
        theirs = {str(r.get("id")) for r in regions_quiet(other)}
    ours = {str(r.get("id")) for r in regions}
    if theirs == ours:
        steps.ok(
            "same-backend",
            f"{url.var} and the backend's {SERVER_URL} ({own.value}) serve the same regions",
        )
    else:
        steps.fail(
            "same-backend",
            Stage.CONFIG,
            f"the storefront's backend ({url.value}) and {SERVER_URL} ({own.value}) serve "
            "different regions: they are different backends",
            f"point {url.var} at the backend this store deploys",
        )


def _cors(env: Env, store: Store, options: ProbeOptions, steps: Steps) -> None:
    given = options.settings.get("storefront_url")
    origin = origin_of(given) if given else origin_of(env.value(BASE_URL))
    if origin is None:
        steps.add(
            "cors-store",
            Status.SKIP,
            f"the storefront's origin is unknown: set {BASE_URL} or pass --storefront-url",
        )
        return
    # which side is wrong when a preflight is refused: the file, or the running backend
    in_file = {
        var: env.source(var)
        for var in ("STORE_CORS", "AUTH_CORS")
        if env.is_set(var) and cors_allows(cors_value(env, var), origin)
    }
    cors(store, origin, "--storefront-url" if given else BASE_URL, steps, in_file)
