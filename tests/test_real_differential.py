"""The Medusa double follows the real backend, by test: every request storectl's commands send
to the double is recorded (testing/differential.py), replayed to a fresh double and to the real
backend of the tier, and the answers compared. A difference fails, naming the request."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.differential import Exchange, Side, recording, replay, routes
from testing.medusa_server import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    API_KEY,
    PUBLISHABLE_KEY,
    MedusaServer,
)
from testing.real_medusa import (
    ADMIN_EMAIL as REAL_EMAIL,
)
from testing.real_medusa import (
    ADMIN_PASSWORD as REAL_PASSWORD,
)
from testing.real_medusa import (
    STOREFRONT_ORIGIN,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    Admin,
    RealMedusa,
)
from testing.stripe_server import TEST_KEY, StripeServer
from tests.conftest import run

pytestmark = pytest.mark.real_backend

#: The double's example order (testing/medusa_data.py), as a user would type it.
DOUBLE_ORDER = "order_01M8AXT4YN42ZN2E4VDJG459CX"


#: The catalogue audit's routes, as `Exchange.route` names them.
AUDITED = (
    "GET /admin/api-keys ?fields&limit&offset&type",
    "GET /admin/regions ?fields&limit&offset",
    "GET /admin/stock-locations ?limit&offset&sales_channel_id",
    "GET /admin/shipping-options ?fields&limit&offset&stock_location_id",
    "GET /admin/products ?fields&limit&offset&sales_channel_id[]&status[]",
    "GET /store/products ?fields&limit&offset&region_id",
    "GET /admin/tax-regions ?fields&limit&offset",
    "GET /admin/reservations ?fields&limit&offset",
    "GET /admin/orders ?created_at[$gte]&fields&limit&offset&status[]",
)


def storectl_against(proxy: str, stripe: StripeServer, tmp: Path) -> None:
    """storectl's commands that talk to a Medusa backend, as the suite runs them on the double."""
    env = {
        "MEDUSA_BACKEND_URL": proxy,
        "MEDUSA_ADMIN_API_KEY": API_KEY,
        "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "NEXT_PUBLIC_BASE_URL": STOREFRONT_ORIGIN,
        "STORE_CORS": STOREFRONT_ORIGIN,
        "AUTH_CORS": STOREFRONT_ORIGIN,
        "STRIPE_API_KEY": TEST_KEY,
        "STRIPE_API_BASE": stripe.url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_WEBHOOK_PATH": WEBHOOK_PATH,
        "SMTP_FROM": "Tier Shop <orders@example.com>",  # mail replay --dry-run sends nothing
    }
    by_password = {k: v for k, v in env.items() if k != "MEDUSA_ADMIN_API_KEY"}
    by_password |= {"MEDUSA_ADMIN_EMAIL": ADMIN_EMAIL, "MEDUSA_ADMIN_PASSWORD": ADMIN_PASSWORD}
    production = env | {"NODE_ENV": "production"}  # the production-only checks' requests too
    commands: list[tuple[list[str], dict[str, str]]] = [
        (["doctor", "--format", "json"], env),
        (["doctor", "--format", "json"], production),
        (["doctor", "--only", "medusa", "--format", "json"], by_password),
        (["doctor", "--only", "catalog", "--format", "json"], by_password),
        (["catalog", "--format", "json"], env),
        (["regions", "list", "--format", "json"], env),
        (["payments", "--format", "json"], env),
        (["webhooks", "list", "--format", "json"], env),
        (["mail", "preview", "order.placed", "--order", DOUBLE_ORDER, "--out", str(tmp)], env),
        (
            [
                "mail",
                "replay",
                "order.placed",
                "--order",
                DOUBLE_ORDER,
                "--to",
                "qa@example.com",
                "--dry-run",
            ],
            env,
        ),
        (["webhooks", "test", "--format", "json"], env),
        (["regions", "disable-stripe", "--all", "--yes", "--format", "json"], env),
        (["regions", "enable-stripe", "--all", "--yes", "--format", "json"], env),
        # the whole store checkout, the admin's order, reservations and cancel
        (["smoke", "--payment", "system", "--mail-wait", "0", "--format", "json"], env),
    ]
    for args, values in commands:
        result = run(*args, env=values)
        assert result.exit_code in (0, 1), (args, result.stdout, result.stderr)


def play(double: MedusaServer, release: str) -> None:
    """The double as the tier's store of that release: 2.8.8 makes no publishable key, but the
    tier's seed (like any store's) made one, so the double keeps its own."""
    keys = list(double.state.api_keys)
    double.state.as_version(release)
    double.state.api_keys = keys


def sides(double: MedusaServer, real: RealMedusa, proxy: str) -> tuple[Side, Side]:
    seeded = real.seeded
    double_side = Side("double", double.url, {proxy: double.url})
    real_side = Side(
        "real",
        real.url,
        {
            proxy: real.url,
            API_KEY: seeded.admin_api_key,
            PUBLISHABLE_KEY: seeded.publishable_key,
            ADMIN_EMAIL: REAL_EMAIL,
            ADMIN_PASSWORD: REAL_PASSWORD,
        },
        by_role={
            "order": seeded.order_id,
            "reg": seeded.regions["Europe"],
            "prod": seeded.product_id,
            "variant": seeded.variant_id,
            "sloc": seeded.stock_location_id,
            "sc": seeded.sales_channel_id,
            "so": seeded.shipping_option_id,
        },
    )
    return double_side, real_side


def test_the_double_answers_as_the_real_backend(
    real_backend: RealMedusa,
    medusa_server: MedusaServer,
    stripe_server: StripeServer,
    tmp_path: Path,
) -> None:
    stripe_server.state.seed(real_backend.url + WEBHOOK_PATH)
    stripe_server.state.add_intent("succeeded", "payses_01TIERDIFFERENTIAL000000")  # a lookup
    release = ".".join(real_backend.version.split(".")[:2])  # the double plays 2.21 or 2.8
    play(medusa_server, release)
    with recording(medusa_server.url) as record:
        storectl_against(record.url, stripe_server, tmp_path)
    exchanges: list[Exchange] = list(record.exchanges)
    assert len(routes(exchanges)) >= 15, routes(exchanges)  # the commands did reach the double
    # every list the catalogue audit reads (the double holds a reservation: the canceled
    # orders since it are read too)
    for audited in AUDITED:
        assert any(r.startswith(audited) for r in routes(exchanges)), (audited, routes(exchanges))
    medusa_server.state.reset()
    play(medusa_server, release)
    double_side, real_side = sides(medusa_server, real_backend, record.url)
    try:
        differences = replay(exchanges, double_side, real_side)
    finally:  # the replayed region writes leave the real store as the seed made it
        admin = Admin(real_backend.url)
        for region in real_backend.seeded.regions.values():
            providers = ["pp_system_default", "pp_stripe_stripe"]
            admin.post(f"/admin/regions/{region}", {"payment_providers": providers})
    assert not differences, "\n".join(str(d) for d in differences)
