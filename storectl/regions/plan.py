"""Enabling and disabling Stripe on regions: selection, plans, and the region views shown.

`POST /admin/regions/{id}` with `payment_providers` REPLACES the list (contract), so every plan
sends the full list: the current ids plus (or minus) Stripe's, never fewer than intended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storectl.errors import StorectlError, UsageError
from storectl.providers.medusa_api import STRIPE_PROVIDER, provider_ids
from storectl.providers.shape import Object


@dataclass(frozen=True)
class RegionView:
    id: str
    name: str
    currency_code: str
    countries: tuple[str, ...]
    payment_providers: tuple[str, ...]
    stripe: bool


@dataclass(frozen=True)
class RegionChange:
    id: str
    name: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    changed: bool
    done: bool = False


@dataclass(frozen=True)
class RegionsReport:
    action: str
    dry_run: bool
    providers: tuple[str, ...]
    changes: tuple[RegionChange, ...]
    notes: tuple[str, ...]


def view(region: Object) -> RegionView:
    ids = tuple(provider_ids(region))
    found = region.get("countries") or []
    countries = tuple(
        str(c.get("iso_2", "")) if isinstance(c, dict) else str(c)
        for c in (found if isinstance(found, list) else [])
    )
    return RegionView(
        id=str(region.get("id")),
        name=str(region.get("name")),
        currency_code=str(region.get("currency_code") or ""),
        countries=countries,
        payment_providers=ids,
        stripe=STRIPE_PROVIDER in ids,
    )


def select(regions: Sequence[Object], wanted: Sequence[str], every: bool) -> list[Object]:
    """Regions named by id or (case-insensitive) name, or all of them with --all."""
    if every and wanted:
        raise UsageError("--all and --region exclude each other", hint="use one of them")
    if every:
        return list(regions)
    if not wanted:
        raise UsageError("name the regions", hint="pass --region NAME_OR_ID (repeatable) or --all")
    chosen: list[Object] = []
    unknown: list[str] = []
    for item in wanted:
        found = [
            r
            for r in regions
            if r.get("id") == item or str(r.get("name", "")).casefold() == item.casefold()
        ]
        if not found:
            unknown.append(item)
        for region in found:
            if region not in chosen:
                chosen.append(region)
    if unknown:
        known = ", ".join(f"{r.get('name')} ({r.get('id')})" for r in regions) or "none"
        raise StorectlError(
            f"no region named {', '.join(unknown)}", hint=f"the backend's regions: {known}"
        )
    return chosen


def plan_enable(regions: Sequence[Object], providers: Sequence[str]) -> list[RegionChange]:
    changes = []
    for region in regions:
        before = tuple(provider_ids(region))
        after = before + tuple(p for p in providers if p not in before)
        changes.append(
            RegionChange(str(region["id"]), str(region.get("name")), before, after, after != before)
        )
    return changes


def plan_disable(
    regions: Sequence[Object], providers: Sequence[str] | None, force: bool
) -> list[RegionChange]:
    """Remove the given ids (default: every Stripe provider); never empty a region unless forced."""
    changes = []
    emptied = []
    for region in regions:
        before = tuple(provider_ids(region))
        if providers:
            after = tuple(p for p in before if p not in providers)
        else:
            after = tuple(p for p in before if not p.startswith("pp_stripe"))
        if before and not after:
            emptied.append(str(region.get("name")))
        changes.append(
            RegionChange(str(region["id"]), str(region.get("name")), before, after, after != before)
        )
    if emptied and not force:
        raise StorectlError(
            f"this would leave {', '.join(emptied)} with no payment provider: nobody could pay",
            hint="enable another provider first (e.g. pp_system_default), or pass --force",
        )
    return changes


def plan_lines(changes: Sequence[RegionChange]) -> list[str]:
    """What a confirmation shows before it asks: each region's providers before → after."""
    lines = ["will change:"]
    for c in changes:
        before = ", ".join(c.before) or "none"
        after = ", ".join(c.after) or "none"
        lines.append(f"  {c.name} ({c.id}): {before} → {after}")
    return lines
