"""Checks that need two providers: each is its own entry here, not hidden inside one provider's
probe, and runs only when every provider it needs is selected (doctor's runner asks `joints`).
Not on the start-up path: `status` never loads it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from storectl.env import Env
from storectl.model import Check
from storectl.net.deadline import Deadline
from storectl.providers import medusa, stripe, sync
from storectl.providers.base import ProbeCheck, ProbeOptions, Provider

JointProbe = Callable[[Env, ProbeOptions, Deadline], list[Check]]


@dataclass(frozen=True)
class Joint:
    """A live check that needs two providers (Stripe's intents against Medusa's payments): its
    own entry here, not hidden inside one provider's probe. It runs only when every
    provider in `needs` is selected (`doctor --only stripe` never logs in to the Medusa admin),
    in the `lead` provider's probe thread once that probe reported `after` (so its client
    works), under the same deadline; its rows are reported as the lead's."""

    name: str
    lead: str
    needs: tuple[str, ...]
    after: str
    probe: JointProbe = field(repr=False)
    #: the checks it may report (doctor --list-checks lists them after the lead's)
    checks: tuple[ProbeCheck, ...] = ()


#: Checks that need two providers: each runs when all it needs are selected.
JOINTS: tuple[Joint, ...] = (
    Joint(
        name="payments",
        lead=stripe.NAME,
        needs=(stripe.NAME, medusa.NAME),
        after="webhook-secret",  # the Stripe probe got that far: its key works
        probe=sync.doctor_checks,
        checks=(
            ProbeCheck(
                "payments-sync",
                "every PaymentIntent that succeeded since --since has its captured payment in "
                "Medusa (Stripe's intents against GET /admin/payments)",
            ),
            ProbeCheck("deliveries", "Stripe delivered the payment events of the --since window"),
        ),
    ),
)


def joints(providers: Iterable[Provider]) -> tuple[Joint, ...]:
    """The joint checks every provider of which is among `providers`."""
    names = {p.name for p in providers}
    return tuple(j for j in JOINTS if names.issuperset(j.needs))
