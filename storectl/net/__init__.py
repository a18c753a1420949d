"""Network plumbing shared by every client: deadlines, retries, bounded reads."""
