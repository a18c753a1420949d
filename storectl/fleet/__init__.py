"""Many stores in one run: the fleet file, selection, the bounded parallel run with shared
probes, and one report for every store (`spec`, `run`, `share`, `report`, `view`)."""
