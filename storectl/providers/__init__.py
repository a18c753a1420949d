"""Providers: one module per production provider; the registry lists them."""
