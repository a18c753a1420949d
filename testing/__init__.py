"""Local peers and harnesses for tests and benchmarks (stdlib only, loopback only)."""
