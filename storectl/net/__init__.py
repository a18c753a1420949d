"""Network plumbing every client shares: one deadline, one retry policy, bounded reads."""
