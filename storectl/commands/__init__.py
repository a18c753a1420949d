"""Command groups: one Typer app per group, each a thin layer over providers and output."""
