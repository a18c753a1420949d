"""Network plumbing every client shares: one deadline per command, one retry policy, bounded reads."""
