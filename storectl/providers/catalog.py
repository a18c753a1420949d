"""The catalogue as doctor sees it: the sellability audit's summary, one check per kind of gap
(prices, shipping, stock, tax, reservations). Reads only: admin and store lists, never a cart.
`storectl catalog` lists every gap; this says how many and names the first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from storectl.env import Env
from storectl.errors import NetworkError
from storectl.model import Check, Finding, Stage, Status
from storectl.net.deadline import Deadline
from storectl.providers.base import ProbeCheck, ProbeOptions, Provider
from storectl.providers.probe import Steps
from storectl.providers.shape import objects

if TYPE_CHECKING:
    from storectl.providers.catalog_audit import Gap

NAME = "catalog"
KEY = "NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY"

#: kind -> (doctor check, what a pass proves, what a gap costs)
CHECK_OF = {
    "price": ("prices", "every published variant has a price in each region's currency"),
    "shipping": (
        "shipping-profiles",
        "every product's shipping profile has an option for each region's countries",
    ),
    "stock": ("stock", "every managed variant has stock at a location of the channel"),
    "tax": ("tax-regions", "every country of a region has a tax region with a default rate"),
    "reservation": ("reservations", "no reservation is held for a canceled order"),
}


def lint(_env: Env) -> Iterator[Finding]:
    """Nothing offline: the catalogue lives in the backend's database."""
    return iter(())


def probe(env: Env, options: ProbeOptions) -> list[Check]:
    # the audit and its readers load here: status loads every provider's declaration (~9 ms)
    from storectl.providers import catalog_audit

    steps = Steps(NAME)
    deadline = Deadline(options.timeout)
    try:
        snap, gaps = catalog_audit.audit(env, deadline)
    except NetworkError as exc:
        if exc.stage is Stage.CONFIG and "no admin credentials" in exc.message:
            steps.add("read", Status.SKIP, exc.message, hint=exc.hint)
        else:
            steps.fail("read", exc.stage, exc.message, exc.hint)
        return steps.checks
    variants = {
        str(v.get("id"))
        for products in snap.store_products.values()
        for p in products
        for v in objects(p.get("variants"))
    }
    steps.ok(
        "read",
        f"{len(snap.products)} published products, {len(variants)} variants, "
        f"{len(snap.regions)} regions read in {snap.requests} requests",
    )
    for kind, (check, proves) in CHECK_OF.items():
        _summary(steps, check, proves, [g for g in gaps if g.kind == kind])
    return steps.checks


def _summary(steps: Steps, check: str, proves: str, gaps: list[Gap]) -> None:
    if not gaps:
        steps.ok(check, proves)
        return
    more = f" (and {len(gaps) - 1} more)" if len(gaps) > 1 else ""
    summary = f"{len(gaps)} found: {gaps[0].summary}{more}"
    hint = f"{gaps[0].fix}; 'storectl catalog' lists every one"
    if gaps[0].stops_sale:
        steps.fail(check, Stage.CONFIG, summary, hint)
    else:
        steps.warn(check, Stage.CONFIG, summary, hint)


CHECKS = (
    ProbeCheck("read", "the catalogue is readable through the store and admin APIs"),
    *(ProbeCheck(check, proves) for check, proves in CHECK_OF.values()),
)

PROVIDER = Provider(
    name=NAME,
    title="Catalogue",
    activation=KEY,
    env_vars=(),
    modules=(),
    fallback="no sellability audit (set NEXT_PUBLIC_MEDUSA_PUBLISHABLE_KEY in the storefront)",
    lint=lint,
    probe=probe,
    companions_need_activation=False,
    checks=CHECKS,
    in_status=False,
)
