"""regions: plan which regions get Stripe, apply it through the Medusa admin API."""
