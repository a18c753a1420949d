"""`storectl payments`: the payments Stripe settled that Medusa never recorded, and how to resend them."""
