"""The sellability audit as `storectl catalog` reports it (its fields are the JSON keys).

Reads only: the store API as the storefront's publishable key sees it and the admin API's lists;
no cart, no write.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from storectl.env import Env
from storectl.model import Check, Stage, Status
from storectl.net.deadline import Deadline
from storectl.providers import catalog_audit
from storectl.providers.catalog_audit import FAIL, KINDS, Gap
from storectl.providers.shape import objects

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CatalogReport:
    schema_version: int
    command: str
    key: str
    sales_channels: tuple[str, ...]
    regions: tuple[str, ...]
    products: int
    variants: int
    requests: int
    duration_ms: int
    counts: dict[str, int]
    gaps: tuple[Gap, ...]
    ok: bool


def build(env: Env, timeout: float) -> CatalogReport:
    """Audit the catalogue under one deadline; a read that fails is a NetworkError."""
    started = time.monotonic()
    snap, gaps = catalog_audit.audit(env, Deadline(timeout))
    variants = {
        str(v.get("id"))
        for products in snap.store_products.values()
        for p in products
        for v in objects(p.get("variants"))
    }
    return CatalogReport(
        schema_version=SCHEMA_VERSION,
        command="catalog",
        key=snap.key_title,
        sales_channels=tuple(str(c.get("name") or c.get("id")) for c in snap.channels),
        regions=tuple(str(r.get("name") or r.get("id")) for r in snap.regions),
        products=len(snap.products),
        variants=len(variants),
        requests=snap.requests,
        duration_ms=round((time.monotonic() - started) * 1000),
        counts={kind: sum(g.kind == kind for g in gaps) for kind in KINDS},
        gaps=tuple(gaps),
        ok=not any(g.status == FAIL for g in gaps),
    )


def checks(report: CatalogReport) -> list[Check]:
    """The gaps as checks (one per gap, ok per clean kind): JUnit and GitHub output."""
    found: list[Check] = []
    for kind in KINDS:
        mine = [g for g in report.gaps if g.kind == kind]
        if not mine:
            found.append(Check("catalog", kind, Status.OK, f"no {kind} gap"))
        for gap in mine:
            where = " / ".join(p for p in (gap.region, gap.product, gap.variant) if p)
            found.append(
                Check(
                    "catalog",
                    kind,
                    Status.FAIL if gap.status == FAIL else Status.WARN,
                    gap.summary,
                    hint=gap.fix,
                    stage=Stage.CONFIG,
                    target=where or None,
                )
            )
    return found
