"""webhooks: plan the Stripe endpoint Medusa needs, register it, test it."""
