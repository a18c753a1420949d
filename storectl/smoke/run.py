"""`storectl smoke`: a guest checkout through the store's own API, checked end to end in the
admin (and Stripe), then cleaned up — each step timed, every failure with its request, the
store's answer and the fix.

Time: one budget, `--timeout`, is the longest a run can take. The checkout and its checks get
`timeout - cleanup_budget`; the cleanup (cancel, Stripe, the reservation's release) always keeps
its `cleanup_budget`, also after Ctrl-C or a spent deadline, and names what it could not undo.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from storectl.env import Env
from storectl.errors import ConfigError, NetworkError
from storectl.guard import Action
from storectl.model import Check, Stage, Status
from storectl.providers import checkout_api as api
from storectl.providers.shape import member, objects, present
from storectl.providers.values import stripe_mode
from storectl.smoke import checks
from storectl.smoke.plan import (
    MARKER,
    STRIPE,
    SmokeOptions,
    SmokeReport,
    Timing,
    Unplannable,
    address,
    left_behind,
    pick_provider,
    pick_region,
    pick_variant,
    price_of,
    subscribers,
)
from storectl.smoke.state import Run

PRODUCT_FIELDS = (
    "id,title,handle,variants.id,variants.title,variants.sku,variants.manage_inventory,"
    "variants.allow_backorder,*variants.calculated_price,+variants.inventory_quantity"
)
SCHEMA_VERSION = 1


def run(env: Env, options: SmokeOptions, confirm: Callable[[Action], None]) -> SmokeReport:
    """Plan, ask the guard, walk the checkout, check what follows, clean up; never raises for
    a store that cannot sell (that is a failed step), only for configuration."""
    state = Run(env, options)
    step = "region"
    try:
        step = _plan(state)
        if options.dry_run:
            return _report(state)
        confirm(_action(state))
        _checkout(state)
        step = "checks"
        checks.follow_ups(state)
    except (Unplannable, checks.StepFailed) as exc:
        state.steps.fail(exc.step, _stage(exc), exc.summary, exc.hint)
    except NetworkError as exc:
        failing = getattr(exc, "step", None) or state.current or step
        summary, hint = checks.explain(failing, exc, state)
        state.steps.fail(failing, exc.stage, summary, hint)
    except KeyboardInterrupt:
        state.interrupted = True
        state.steps.fail(
            state.current or step, Stage.TIMEOUT, "interrupted (Ctrl-C)", "cleaned up below"
        )
    finally:
        if not options.dry_run:
            state.checkout_end = state.checkout_end or time.monotonic()
            checks.clean_up(state)
        state.close()
    return _report(state)


def _stage(exc: Unplannable | checks.StepFailed) -> Stage:
    return exc.stage if isinstance(exc, checks.StepFailed) else Stage.CONFIG


def _plan(state: Run) -> str:
    """Region, variant and provider from the store's own answers (creates nothing)."""
    o = state.options
    state.current = "region"
    regions = state.store.call("GET", "/store/regions", params={"limit": 100}).get("regions")
    region, country = pick_region(objects(regions), o.region, o.country)
    state.choose(
        region_id=region.get("id"),
        region=region.get("name"),
        currency=region.get("currency_code"),
        country=country,
    )
    state.ok("region", f"{region.get('name')} ({region.get('currency_code')}), ships to {country}")
    state.current = "variant"
    params = {"region_id": region.get("id"), "fields": PRODUCT_FIELDS, "limit": 100}
    if o.product and o.product.startswith("prod_"):
        params["id"] = o.product
    elif o.product:
        params["handle"] = o.product
    products = state.store.call("GET", "/store/products", params=params).get("products")
    product, variant = pick_variant(
        objects(products), o.variant, o.product, str(region.get("name"))
    )
    name = f"{product.get('title')} / {variant.get('title') or variant.get('sku')}"
    state.choose(
        product=product.get("title"),
        variant_id=variant.get("id"),
        variant=name,
        price=price_of(variant),
    )
    state.ok("variant", f"{name} at {price_of(variant)} {region.get('currency_code')}")
    state.current = "payment-provider"
    _provider(state, str(region.get("id")))
    state.choose(
        subscribers=subscribers(state.env.root),
        left_behind=left_behind(state.plan.provider, o.keep),
    )
    _admin(state)
    return "cart"


def _provider(state: Run, region_id: str) -> None:
    answer = state.store.call(
        "GET", "/store/payment-providers", params={"region_id": region_id}
    ).get("payment_providers")
    offered = [str(p.get("id")) for p in objects(answer)]
    mode = (
        stripe_mode(state.env.value("STRIPE_API_KEY"))
        if state.env.value("STRIPE_API_KEY")
        else None
    )
    provider, why = pick_provider(offered, state.options.payment, mode)
    state.choose(provider=provider, payment_reason=why)
    state.ok("payment-provider", f"{provider}: {why}")


def _admin(state: Run) -> None:
    """Admin credentials: needed to check the order and to clean it up (or --keep)."""
    has = state.env.value("MEDUSA_ADMIN_API_KEY") or (
        state.env.value("MEDUSA_ADMIN_EMAIL") and state.env.value("MEDUSA_ADMIN_PASSWORD")
    )
    if not has and not state.options.keep:
        raise ConfigError(
            "smoke cleans up with the admin API, and no admin credentials are set",
            hint="set MEDUSA_ADMIN_API_KEY (a secret key) in the backend's env, or pass --keep "
            "to leave the order for a person to cancel",
        )
    if has and not state.options.dry_run:
        state.admin = api.AdminCalls(state.env, state.deadline, state.meter)
        state.admin.login()


def _action(state: Run) -> Action:
    p = state.plan
    plan = [
        f"place a test order on {p.backend}: {p.variant} in {p.region} ({p.country}), "
        f"paid with {p.provider}, mailed to {p.email}",
        *(f"the store's subscriber {s} runs on order.placed" for s in p.subscribers),
    ]
    return Action.of(state.env, "Place a smoke-test order on this store?", plan, url=p.backend)


def _checkout(state: Run) -> None:
    """The storefront's sequence (the Next.js starter and the JS SDK), one step each."""
    s, p = state.store, state.plan
    state.current = "cart"
    cart = s.call(
        "POST", "/store/carts", {"region_id": p.region_id, "metadata": {MARKER: p.run_id}}
    )
    cart_id = present(member(cart, "cart", "POST /store/carts"), "id", "POST /store/carts")
    state.made(cart_id=cart_id)
    state.ok("cart", f"cart {cart_id} in {p.region}")
    cart_path = f"/store/carts/{cart_id}"
    state.current = "line-item"
    s.call("POST", f"{cart_path}/line-items", {"variant_id": p.variant_id, "quantity": 1})
    state.ok("line-item", f"1 x {p.variant}")
    state.current = "address"
    where = address(str(p.country))
    s.call(
        "POST",
        cart_path,
        {"email": p.email, "shipping_address": where, "billing_address": where},
    )
    state.made(customer_email=p.email)
    state.ok("address", f"{p.email}, {where['city']} ({p.country})")
    state.current = "shipping"
    checks.shipping(state, cart_path)
    state.current = "payment-session"
    checks.payment_session(state)
    if p.provider == STRIPE:
        state.current = "stripe-confirm"
        checks.confirm_intent(state)
    state.current = "complete"
    checks.complete(state, cart_path)
    state.checkout_end = time.monotonic()


def _report(state: Run) -> SmokeReport:
    total = time.monotonic() - state.started
    checkout = (state.checkout_end or time.monotonic()) - state.started
    requests = state.meter.seconds
    steps: tuple[Check, ...] = tuple(state.steps.checks)
    failed = any(c.status in (Status.FAIL, Status.ERROR) for c in steps)
    return SmokeReport(
        schema_version=SCHEMA_VERSION,
        command="smoke",
        ok=not failed and not state.interrupted,
        dry_run=state.options.dry_run,
        kept=state.options.keep,
        interrupted=state.interrupted,
        plan=state.plan,
        created=state.created,
        steps=steps,
        cleanup=state.cleanup,
        left_in_admin=checks.left_in_admin(state),
        timing=Timing(
            total_ms=round(total * 1000),
            checkout_ms=round(checkout * 1000),
            requests_ms=round(requests * 1000),
            requests=state.meter.requests,
            waits_ms=round(state.waits * 1000),
            overhead_ms=max(0, round((total - requests - state.waits) * 1000)),
        ),
        notes=tuple(state.notes),
    )
