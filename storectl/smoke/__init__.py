"""`storectl smoke`: a real guest checkout through the store's own APIs, checked end to end and
cleaned up (plan.py: options, choices and the report; run.py: the run; checks.py: the steps after
the cart, the follow-up checks, the cleanup; view.py: table, JSON, JUnit, GitHub)."""
