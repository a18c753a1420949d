"""The real-backend tier: a pinned Medusa 2.x from npm on a private PostgreSQL cluster, set up as
any store is (migrations, an admin user, regions, a sales channel with a publishable key, a stock
location, a shipping option, a product with stock and an image, one order placed through the
store API), started once per test session with its log kept for assertions.

Why: the Medusa double (`medusa_server.py`) is only as faithful as whoever last compared it; this
tier is the real thing, and `tests/test_real_medusa_differential.py` holds the double to it.

What it needs, and where it comes from (`./scripts/test` installs each; `need_medusa` and
`need_postgres` in scripts/lib.sh):
- node >= 20 and the pinned packages of `testing/medusa/<version>/package-lock.json`, installed by
  `npm ci` into `.cache/medusa/<version>/` (git-ignored, reused while the lock file is unchanged);
- Debian's `postgresql` (initdb, pg_ctl). The cluster lives in a temporary folder on a free loopback
  port with no system service; PostgreSQL refuses to run as root, so as root it runs as the
  unprivileged `postgres` user in a folder that user owns.
The migrated, seeded database is kept per lock file + seed (`.cache/medusa/<version>/db-*.tar`): a
session with the cache skips the migrations and the seed.

Stock `payment-stripe` builds its Stripe client with no host override, so this backend can never
reach the Stripe double: payments here go through `pp_system_default`. Stripe is still registered
(a test key, no network until a Stripe payment session is created) so `pp_stripe_stripe` is loaded
and the webhook route exists.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from testing.procs import free_port, wait_until
from testing.stripe_data import TEST_KEY

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RELEASES = HERE / "medusa"
STORE_TEMPLATE = RELEASES / "store"
CACHE = REPO / ".cache" / "medusa"

#: The releases the tier runs (the pins in testing/medusa/<version>/ are the only difference).
VERSIONS = ("2.21.2", "2.8.8")
#: Bump when `seed` changes: the cached database is then made again.
SEED_REVISION = "3"

ADMIN_EMAIL = "admin@storectl.example.com"
ADMIN_PASSWORD = "tier-admin-password-1"
JWT_SECRET = "tier-jwt-secret-0123456789abcdef"
COOKIE_SECRET = "tier-cookie-secret-0123456789abcdef"
STRIPE_KEY = TEST_KEY  # the Stripe double knows it (test mode)
WEBHOOK_SECRET = "whsec_TierWebhookSecret000000000000000"
WEBHOOK_PATH = "/hooks/payment/stripe_stripe"
PUBLISHABLE_STRIPE_KEY = "pk_test_51TierPublishableKey000000000000000"
STOREFRONT_ORIGIN = "http://localhost:8000"
ADMIN_ORIGIN = "http://localhost:7001"
CUSTOMER_EMAIL = "tier.customer@example.com"


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(message: str) -> None:
    """A missing prerequisite skips locally and fails the run under CI=true."""
    if _ci():
        pytest.fail(message)
    pytest.skip(message)


def lock_hash(version: str) -> str:
    return hashlib.sha256((RELEASES / version / "package-lock.json").read_bytes()).hexdigest()


def node_modules(version: str) -> Path:
    """`.cache/medusa/<version>/node_modules`, installed from this lock file (else skip/fail)."""
    home = CACHE / version
    stamp = home / "node_modules" / ".storectl-stamp"
    if not stamp.is_file() or stamp.read_text().strip() != lock_hash(version):
        unavailable(f"Medusa {version} is not installed in {home} (./scripts/test runs npm ci)")
    return home / "node_modules"


def require_node() -> str:
    """node >= 20 (Medusa 2.x needs it), or a clear failure."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed (./scripts/test installs Debian's nodejs)")
        raise AssertionError  # unreachable: unavailable() raises
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major = int(version.stdout.strip().lstrip("v").split(".")[0])
    if major < 20:
        pytest.fail(f"Medusa 2.x needs node >= 20; {node} is {version.stdout.strip()}")
    return node


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3])
    path = str(found[-1]) if found else shutil.which(name)
    if path is None:
        unavailable(f"PostgreSQL's {name} is not installed (./scripts/test installs postgresql)")
        raise AssertionError
    return path


def _as_db_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses root: as root, run it as Debian's unprivileged `postgres` user."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _give_to_db_user(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(path)], check=True)


@dataclass
class Postgres:
    """A private cluster: its folder, port and the database Medusa uses."""

    root: Path
    port: int
    database: str = "medusa"
    user: str = "medusa"

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def initdb(self) -> None:
        subprocess.run(
            _as_db_user(
                [_pg_bin("initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust"]
                + ["-E", "UTF8", "--no-locale"]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            _as_db_user(
                [_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "pg.log")]
                + ["-o", options, "-w", "-t", "60", "start"]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_db_user([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
        )

    def create_database(self) -> None:
        subprocess.run(
            _as_db_user(
                [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
                + ["-U", self.user, self.database]
            ),
            check=True,
            capture_output=True,
        )


@contextmanager
def postgres(template: Path | None) -> Iterator[Postgres]:
    """A cluster in a fresh temporary folder, from a cached data folder when there is one."""
    root = Path(tempfile.mkdtemp(prefix="storectl-pg-"))
    db = Postgres(root, free_port())
    try:
        if template is not None:
            with tarfile.open(template) as archive:
                archive.extractall(root, filter="fully_trusted")
        _give_to_db_user(root)
        root.chmod(0o700)
        if template is None:
            db.initdb()
        db.start()
        if template is None:
            db.create_database()
        yield db
    finally:
        db.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Seeded:
    """What the seed made (ids and keys the tests use); cached beside the database."""

    admin_api_key: str
    publishable_key: str
    sales_channel_id: str
    regions: dict[str, str]
    stock_location_id: str
    shipping_option_id: str
    product_id: str
    variant_id: str
    order_id: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RealMedusa:
    """One running backend: where it listens, its store folder, its log, what was seeded."""

    version: str
    url: str
    project: Path
    log: Path
    seeded: Seeded
    #: the backend's own plain-http address (the same as `url` but behind a TLS terminator)
    direct: str = ""

    @property
    def origin(self) -> str:
        """Where a test talks to the process itself: its plain port."""
        return self.direct or self.url

    def log_lines(self) -> list[dict[str, Any]]:
        """Every JSON line the backend logged so far (LOG_FILE is winston's JSON)."""
        lines: list[dict[str, Any]] = []
        if not self.log.exists():
            return lines
        for raw in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            with suppress(ValueError):
                lines.append(json.loads(raw))
        return lines

    def mark(self) -> int:
        """A place in the log: `errors_since(mark)` reads what came after it."""
        return len(self.log_lines())

    def errors_since(self, mark: int) -> list[dict[str, Any]]:
        return [line for line in self.log_lines()[mark:] if line.get("level") == "error"]

    def wait_for_log(self, needle: str, since: int, timeout: float = 30.0) -> None:
        def seen() -> bool:
            return any(needle in json.dumps(line) for line in self.log_lines()[since:])

        wait_until(seen, f"{needle!r} in the backend's log", timeout=timeout)


def store_env(database: str, url: str, extra: dict[str, str]) -> dict[str, str]:
    """backend/.env: every variable the tier's store relies on, set explicitly."""
    env = {
        "DATABASE_URL": database,
        "STORE_CORS": STOREFRONT_ORIGIN,
        "ADMIN_CORS": ADMIN_ORIGIN,
        "AUTH_CORS": f"{STOREFRONT_ORIGIN},{ADMIN_ORIGIN}",
        "JWT_SECRET": JWT_SECRET,
        "COOKIE_SECRET": COOKIE_SECRET,
        "STRIPE_API_KEY": STRIPE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_WEBHOOK_PATH": WEBHOOK_PATH,
        "MEDUSA_BACKEND_URL": url,
        "MEDUSA_ADMIN_EMAIL": ADMIN_EMAIL,
        "MEDUSA_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    env.update(extra)
    return env


def write_env(path: Path, values: dict[str, str]) -> None:
    """An env file as a careful store keeps one: secrets readable by its owner only."""
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)


def make_project(version: str, root: Path) -> Path:
    """A store folder: backend/ (the tier's medusa-config.ts, the release's package.json,
    node_modules linked to the cache) and storefront/."""
    project = root / "store"
    backend = project / "backend"
    shutil.copytree(STORE_TEMPLATE / "backend", backend)
    shutil.copy(RELEASES / version / "package.json", backend / "package.json")
    (backend / "node_modules").symlink_to(node_modules(version))
    (project / "storefront").mkdir()
    return project


def _node_env(port: int, log: Path, node_env: str = "development") -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **keep,
        "NODE_ENV": node_env,
        "TS_NODE_TRANSPILE_ONLY": "true",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_FILE": str(log),
        "LOG_LEVEL": "info",
        # nothing leaves this machine: Medusa's telemetry is off
        "MEDUSA_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "1",
    }


def medusa(backend: Path, node: str, *args: str, env: dict[str, str]) -> None:
    """One `medusa` CLI command (db:migrate, user) to completion, its output kept on failure."""
    cli = backend / "node_modules" / "@medusajs" / "cli" / "cli.js"
    done = subprocess.run(
        [node, str(cli), *args], cwd=backend, env=env, capture_output=True, timeout=600
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).decode(errors="replace")[-4000:]
        raise RuntimeError(f"medusa {' '.join(args)} failed ({done.returncode}):\n{tail}")


@contextmanager
def running(
    backend: Path, node: str, port: int, env: dict[str, str], health: str | None = None
) -> Iterator[str]:
    """`medusa start` until the block ends; its stdout beside LOG_FILE. `health`: where to wait
    for /health (default: the plain port)."""
    cli = backend / "node_modules" / "@medusajs" / "cli" / "cli.js"
    out = open(Path(env["LOG_FILE"]).with_suffix(".out"), "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [node, str(cli), "start"],
        cwd=backend,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    probe = health or url

    def healthy() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"medusa start exited with {proc.returncode}: see {out.name}")
        try:
            return httpx.get(f"{probe}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, f"Medusa on {url}", timeout=180)
        yield url
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()


def cache_key(version: str) -> str:
    text = (STORE_TEMPLATE / "backend" / "medusa-config.ts").read_bytes()
    digest = hashlib.sha256(lock_hash(version).encode() + text + SEED_REVISION.encode())
    return digest.hexdigest()[:16]


def _timed(label: str, since: float, times: dict[str, float]) -> float:
    now = time.monotonic()
    times[label] = round(now - since, 2)
    return now


class Admin:
    """The admin API as the seed uses it: JSON in, JSON out, any error raised with its body."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        token = self.post(
            "/auth/user/emailpass", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        self.http.headers["Authorization"] = f"Bearer {token['token']}"

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        answer = self.http.request(method, path, json=body, params=params or None)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {answer.status_code}: {answer.text[:2000]}")
        return answer.json()

    def post(self, path: str, body: Any, **params: Any) -> Any:
        return self.call("POST", path, body, **params)

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, **params)


class Store:
    """The store API as a storefront calls it (the publishable key on every request)."""

    def __init__(self, url: str, key: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60, headers={"x-publishable-api-key": key})

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        answer = self.http.request(method, path, json=body, params=params or None)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {answer.status_code}: {answer.text[:2000]}")
        return answer.json()


ADDRESS = {
    "first_name": "Max",
    "last_name": "Mustermann",
    "address_1": "Rue de Rivoli 10",
    "city": "Paris",
    "postal_code": "75001",
    "country_code": "fr",
    "phone": "+33123456789",
}


def seed(url: str) -> Seeded:
    """Set the store up through the admin API as a merchant would, then place one order."""
    admin = Admin(url)
    secret = admin.post("/admin/api-keys", {"title": "storectl tier", "type": "secret"})
    channel = admin.post("/admin/sales-channels", {"name": "Tier Web Shop"})["sales_channel"]
    key = admin.post("/admin/api-keys", {"title": "Tier storefront", "type": "publishable"})
    key = key["api_key"]
    admin.post(f"/admin/api-keys/{key['id']}/sales-channels", {"add": [channel["id"]]})
    regions = {
        name: admin.post(
            "/admin/regions",
            {
                "name": name,
                "currency_code": currency,
                "countries": countries,
                "payment_providers": ["pp_system_default", "pp_stripe_stripe"],
            },
        )["region"]["id"]
        for name, currency, countries in (
            ("Europe", "eur", ["fr", "de"]),
            ("North America", "usd", ["us", "ca"]),
        )
    }
    for code in ("fr", "de", "us", "ca"):  # tax collected in every seeded country
        admin.post(
            "/admin/tax-regions",
            {
                "country_code": code,
                "provider_id": "tp_system",
                "default_tax_rate": {"name": f"{code} VAT", "code": f"{code}-vat", "rate": 20},
            },
        )
    location = _stock_location(admin, channel["id"])
    profile = _shipping_profile(admin)
    option = _shipping_option(admin, location, profile)
    product, variant = _product(admin, url, channel["id"], profile, location)
    order = place_order(url, key["token"], regions["Europe"], variant)
    return Seeded(
        admin_api_key=secret["api_key"]["token"],
        publishable_key=key["token"],
        sales_channel_id=channel["id"],
        regions=regions,
        stock_location_id=location,
        shipping_option_id=option,
        product_id=product,
        variant_id=variant,
        order_id=order,
    )


def _stock_location(admin: Admin, channel: str) -> str:
    body = {"name": "Tier Warehouse", "address": {"address_1": "Lagerstr. 1", "country_code": "de"}}
    location = admin.post("/admin/stock-locations", body)["stock_location"]["id"]
    admin.post(f"/admin/stock-locations/{location}/sales-channels", {"add": [channel]})
    admin.post(
        f"/admin/stock-locations/{location}/fulfillment-providers", {"add": ["manual_manual"]}
    )
    return str(location)


def _shipping_profile(admin: Admin) -> str:
    profiles = admin.get("/admin/shipping-profiles")["shipping_profiles"]
    for profile in profiles:
        if profile.get("type") == "default":
            return str(profile["id"])
    created = admin.post("/admin/shipping-profiles", {"name": "Default", "type": "default"})
    return str(created["shipping_profile"]["id"])


def _shipping_option(admin: Admin, location: str, profile: str) -> str:
    with_set = admin.post(
        f"/admin/stock-locations/{location}/fulfillment-sets",
        {"name": "Tier shipping", "type": "shipping"},
        fields="*fulfillment_sets",
    )["stock_location"]
    fulfillment_set = with_set["fulfillment_sets"][0]["id"]
    zone_body = {
        "name": "Tier zone",
        "geo_zones": [{"type": "country", "country_code": c} for c in ("fr", "de", "us", "ca")],
    }
    zones = admin.post(f"/admin/fulfillment-sets/{fulfillment_set}/service-zones", zone_body)[
        "fulfillment_set"
    ]["service_zones"]
    option = admin.post(
        "/admin/shipping-options",
        {
            "name": "Standard",
            "service_zone_id": zones[0]["id"],
            "shipping_profile_id": profile,
            "provider_id": "manual_manual",
            "price_type": "flat",
            "type": {"label": "Standard", "description": "3-5 days", "code": "standard"},
            "prices": [
                {"currency_code": "eur", "amount": 5},
                {"currency_code": "usd", "amount": 6},
            ],
            "rules": [
                {"attribute": "enabled_in_store", "value": "true", "operator": "eq"},
                {"attribute": "is_return", "value": "false", "operator": "eq"},
            ],
        },
    )
    return str(option["shipping_option"]["id"])


def _product(admin: Admin, url: str, channel: str, profile: str, location: str) -> tuple[str, str]:
    upload = admin.http.post("/admin/uploads", files={"files": ("hoodie.png", _PNG, "image/png")})
    upload.raise_for_status()
    image = upload.json()["files"][0]["url"]
    product = admin.post(
        "/admin/products",
        {
            "title": "Tier Hoodie",
            "handle": "tier-hoodie",
            "status": "published",
            "shipping_profile_id": profile,
            "thumbnail": image,
            "images": [{"url": image}],
            "sales_channels": [{"id": channel}],
            "options": [{"title": "Size", "values": ["M"]}],
            "variants": [
                {
                    "title": "M",
                    "sku": "TIER-HOODIE-M",
                    "options": {"Size": "M"},
                    "manage_inventory": True,
                    "prices": [
                        {"currency_code": "eur", "amount": 49.9},
                        {"currency_code": "usd", "amount": 55},
                    ],
                }
            ],
        },
        fields="id,variants.id",
    )["product"]
    variant = product["variants"][0]["id"]
    items = admin.get("/admin/inventory-items", sku="TIER-HOODIE-M")["inventory_items"]
    admin.post(
        f"/admin/inventory-items/{items[0]['id']}/location-levels",
        {"location_id": location, "stocked_quantity": 100},
    )
    return str(product["id"]), str(variant)


def place_order(url: str, key: str, region: str, variant: str) -> str:
    """A guest checkout through the store API, as the Next.js starter runs it."""
    store = Store(url, key)
    cart = store.call("POST", "/store/carts", {"region_id": region})["cart"]["id"]
    store.call("POST", f"/store/carts/{cart}/line-items", {"variant_id": variant, "quantity": 2})
    store.call(
        "POST",
        f"/store/carts/{cart}",
        {"email": CUSTOMER_EMAIL, "shipping_address": ADDRESS, "billing_address": ADDRESS},
    )
    options = store.call("GET", "/store/shipping-options", cart_id=cart)["shipping_options"]
    store.call("POST", f"/store/carts/{cart}/shipping-methods", {"option_id": options[0]["id"]})
    collection = store.call("POST", "/store/payment-collections", {"cart_id": cart})
    collection_id = collection["payment_collection"]["id"]
    store.call(
        "POST",
        f"/store/payment-collections/{collection_id}/payment-sessions",
        {"provider_id": "pp_system_default"},
    )
    done = store.call("POST", f"/store/carts/{cart}/complete", {})
    if done.get("type") != "order":
        raise RuntimeError(f"the seed's checkout did not place an order: {done}")
    return str(done["order"]["id"])


#: A 1x1 PNG: the product's image, uploaded through the admin API like any merchant's.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5273de60000000049454e44ae426082"
)


def refresh_image(url: str, seeded: Seeded) -> None:
    """Uploaded files live in the session's own folder and their URLs name its port: upload the
    product's image again and point the product at it."""
    admin = Admin(url)
    upload = admin.http.post("/admin/uploads", files={"files": ("hoodie.png", _PNG, "image/png")})
    upload.raise_for_status()
    image = upload.json()["files"][0]["url"]
    admin.post(
        f"/admin/products/{seeded.product_id}", {"thumbnail": image, "images": [{"url": image}]}
    )


def _storefront_env(url: str, seeded: Seeded) -> dict[str, str]:
    return {
        "MEDUSA_BACKEND_URL": url,
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY": seeded.publishable_key,
        "NEXT_PUBLIC_BASE_URL": STOREFRONT_ORIGIN,
        "NEXT_PUBLIC_STRIPE_KEY": PUBLISHABLE_STRIPE_KEY,
    }


def _build_template(
    version: str,
    project: Path,
    node: str,
    template: Path,
    seeded_file: Path,
    times: dict[str, float],
) -> None:
    """Migrate and seed a new cluster once, then keep its data folder for later sessions."""
    backend = project / "backend"
    started = time.monotonic()
    with postgres(None) as db:
        port = free_port()
        log = project.parent / "build.jsonl"
        write_env(backend / ".env", store_env(db.url, f"http://127.0.0.1:{port}", {}))
        env = _node_env(port, log)
        started = _timed("initdb", started, times)
        medusa(backend, node, "db:migrate", env=env)
        started = _timed("migrations", started, times)
        medusa(backend, node, "user", "-e", ADMIN_EMAIL, "-p", ADMIN_PASSWORD, env=env)
        started = _timed("admin user", started, times)
        with running(backend, node, port, env) as url:
            started = _timed("first start", started, times)
            seeded = seed(url)
            started = _timed("seed", started, times)
        db.stop()
        template.parent.mkdir(parents=True, exist_ok=True)
        partial = template.with_suffix(f".{os.getpid()}.partial")  # sessions may build at once
        with tarfile.open(partial, "w") as archive:
            archive.add(db.data, arcname="data")
        seeded_file.write_text(json.dumps(seeded.__dict__, indent=2), encoding="utf-8")
        partial.replace(template)
        _timed("snapshot", started, times)


@contextmanager
def real_medusa(
    version: str, root: Path, extra_env: dict[str, str] | None = None
) -> Iterator[RealMedusa]:
    """A running, seeded backend of `version` in `root` until the block ends."""
    node = require_node()
    project = make_project(version, root)
    key = cache_key(version)
    template = CACHE / version / f"db-{key}.tar"
    seeded_file = CACHE / version / f"db-{key}.json"
    times: dict[str, float] = {}
    if not template.is_file() or not seeded_file.is_file():
        _build_template(version, project, node, template, seeded_file, times)
    seeded = Seeded(**json.loads(seeded_file.read_text(encoding="utf-8")))
    started = time.monotonic()
    with postgres(template) as db:
        started = _timed("database", started, times)
        port = free_port()
        log = root / "medusa.jsonl"
        env = store_env(db.url, f"http://127.0.0.1:{port}", extra_env or {})
        write_env(project / "backend" / ".env", env)
        with running(project / "backend", node, port, _node_env(port, log)) as url:
            started = _timed("start", started, times)
            refresh_image(url, seeded)
            write_env(project / "storefront" / ".env.local", _storefront_env(url, seeded))
            seeded.extra["times"] = times
            yield RealMedusa(version, url, project, log, seeded)


@pytest.fixture(scope="session", params=VERSIONS)
def real_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RealMedusa]:
    """A real, seeded Medusa of each release in VERSIONS, started once per test session."""
    version: str = request.param
    with real_medusa(version, tmp_path_factory.mktemp(f"medusa-{version}")) as backend:
        yield backend


PRODUCTION_STOREFRONT = "https://shop.example.com"
PRODUCTION_ADMIN = "https://admin.example.com"


@contextmanager
def production_medusa(
    backend: RealMedusa, root: Path, tls: Callable[[int], AbstractContextManager[int]]
) -> Iterator[RealMedusa]:
    """A second process of `backend`'s release on the same database with NODE_ENV=production,
    reached over https through `tls` (a TLS terminator in front of the plain port), and a store
    folder whose backend/.env.production and storefront/.env.production say so."""
    node = require_node()
    project = make_project(backend.version, root)
    database = read_env(backend.project / "backend" / ".env")["DATABASE_URL"]
    port = free_port()
    log = root / "medusa.jsonl"
    with tls(port) as tls_port:
        url = f"https://127.0.0.1:{tls_port}"
        env = store_env(
            database,
            url,
            {
                "STORE_CORS": PRODUCTION_STOREFRONT,
                "ADMIN_CORS": PRODUCTION_ADMIN,
                "AUTH_CORS": f"{PRODUCTION_STOREFRONT},{PRODUCTION_ADMIN}",
            },
        )
        write_env(project / "backend" / ".env.production", env)
        storefront = _storefront_env(url, backend.seeded)
        storefront["NEXT_PUBLIC_BASE_URL"] = PRODUCTION_STOREFRONT
        write_env(project / "storefront" / ".env.production", storefront)
        node_env = _node_env(port, log, "production")
        with running(project / "backend", node, port, node_env, health=f"http://127.0.0.1:{port}"):
            direct = f"http://127.0.0.1:{port}"
            yield RealMedusa(backend.version, url, project, log, backend.seeded, direct)


def read_env(path: Path) -> dict[str, str]:
    """The tier's own env files (NAME=value lines, as `write_env` writes them)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition("=")
        values[name] = value
    return values


# --- no trace in the store's log ---------------------------------------------------------------


def signed_sentinel(backend: RealMedusa) -> str:
    """Post a correctly signed event of a type Medusa does not map, as Stripe would: Medusa logs
    only its "Processing payment.webhook_received" line. Returns the event id."""
    event_id = f"evt_sentinel{time.monotonic_ns()}"
    intent = {"id": "pi_sentinel", "object": "payment_intent", "metadata": {}}
    body = json.dumps(
        {"id": event_id, "object": "event", "type": "storectl.sentinel", "data": {"object": intent}}
    )
    stamp = str(int(time.time()))
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.{body}".encode(), hashlib.sha256)
    answer = httpx.post(
        backend.origin + WEBHOOK_PATH,
        content=body,
        headers={
            "content-type": "application/json",
            "stripe-signature": f"t={stamp},v1={mac.hexdigest()}",
        },
    )
    assert answer.status_code == 200, answer.text
    return event_id


def assert_no_trace(backend: RealMedusa, mark: int) -> None:
    """The backend processed everything up to a sentinel posted now, and logged no error since
    `mark`: Medusa handles a webhook seconds after its 200, so wait on the sentinel, not a sleep."""
    before = sum(
        "payment.webhook_received" in json.dumps(line) for line in backend.log_lines()[mark:]
    )
    signed_sentinel(backend)

    def processed() -> bool:
        seen = [
            line for line in backend.log_lines()[mark:] if "webhook_received" in json.dumps(line)
        ]
        return len(seen) > before

    wait_until(processed, "the sentinel webhook in the backend's log", timeout=30)
    assert backend.errors_since(mark) == []
