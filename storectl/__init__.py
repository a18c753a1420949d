"""storectl: configure and check the production providers of a Medusa v2 store."""

__version__ = "0.1.0"
