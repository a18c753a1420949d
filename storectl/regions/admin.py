"""`storectl regions`: read the backend's regions and apply enable/disable plans to them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from storectl.env import Env
from storectl.errors import ConfigError, StorectlError
from storectl.guard import Action
from storectl.providers import medusa_api as medusa
from storectl.regions import plan as regions


@dataclass(frozen=True)
class RegionList:
    regions: tuple[regions.RegionView, ...]


@dataclass(frozen=True)
class Request:
    regions: tuple[str, ...]
    every: bool
    providers: tuple[str, ...]
    dry_run: bool
    force: bool
    timeout: float


def _admin(env: Env, timeout: float) -> medusa.Admin:
    if not env.is_set("MEDUSA_BACKEND_URL"):
        raise ConfigError(
            "MEDUSA_BACKEND_URL is not set",
            hint="set it to the backend's URL, e.g. http://localhost:9000",
        )
    return medusa.Admin(env, timeout)


def _login(admin: medusa.Admin) -> None:
    if admin.login() is None:
        raise ConfigError(
            "no admin credentials",
            hint="set MEDUSA_ADMIN_API_KEY (a secret API key), or MEDUSA_ADMIN_EMAIL and "
            "MEDUSA_ADMIN_PASSWORD",
        )


def list_regions(env: Env, timeout: float) -> RegionList:
    with _admin(env, timeout) as admin:
        _login(admin)
        return RegionList(tuple(regions.view(r) for r in admin.regions()))


def change(
    env: Env,
    request: Request,
    *,
    enable: bool,
    guard: Callable[[Action], None],
    warn: Callable[[str], None],
) -> regions.RegionsReport:
    """Plan and (unless --dry-run) apply: 1 auth + 1 provider list + region pages + 1 write per
    region that changes."""
    notes: list[str] = []
    if enable and not env.is_set("STRIPE_API_KEY"):
        notes.append(
            "STRIPE_API_KEY is not set here: the admin API keeps Stripe providers enabled after "
            "Stripe is removed from the backend's config, so it cannot tell whether Stripe is "
            "loaded; check the env where the backend runs"
        )
        warn(notes[-1])
    with _admin(env, request.timeout) as admin:
        _login(admin)
        wanted = list(request.providers) or ([medusa.STRIPE_PROVIDER] if enable else [])
        if enable:
            _require_enabled(admin, wanted)
        chosen = regions.select(admin.regions(), request.regions, request.every)
        for region in chosen:
            medusa.require_providers(region)
        if enable:
            plan = regions.plan_enable(chosen, wanted)
        else:
            plan = regions.plan_disable(chosen, wanted or None, request.force)
        changes = [c for c in plan if c.changed]
        if changes and not request.dry_run:
            verb = "Enable" if enable else "Disable"
            # a write to the store's own settings: asked in every environment
            question = f"{verb} {', '.join(wanted) or 'Stripe'} in {len(changes)} region(s)?"
            guard(Action.of(env, question, regions.plan_lines(changes), always=True))
            applied = []
            for item in plan:
                if item.changed:
                    region = admin.set_payment_providers(item.id, list(item.after))
                    item = replace(item, after=tuple(medusa.provider_ids(region)), done=True)
                applied.append(item)
            plan = applied
    return regions.RegionsReport(
        action="enable" if enable else "disable",
        dry_run=request.dry_run,
        providers=tuple(wanted) if wanted else ("pp_stripe*",),
        changes=tuple(plan),
        notes=tuple(notes),
    )


def _require_enabled(admin: medusa.Admin, wanted: Sequence[str]) -> None:
    """Providers can be enabled in a region only when the backend has them enabled."""
    available = {str(p.get("id")) for p in admin.payment_providers() if p.get("is_enabled", True)}
    absent = [p for p in wanted if p not in available]
    if absent:
        raise StorectlError(
            f"the backend has no enabled payment provider {', '.join(absent)}: Stripe is "
            "not registered there",
            hint="is STRIPE_API_KEY set where the backend runs? Known providers: "
            + (", ".join(sorted(available)) or "none"),
        )
