"""`storectl payments`: what Stripe settled and Medusa never recorded, and how to resend it."""
