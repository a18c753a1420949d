"""doctor: select the checks, run them concurrently under one deadline, report."""
