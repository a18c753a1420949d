"""Local peers for tests, the demo and benchmarks: doubles, real servers, hostile peers."""
