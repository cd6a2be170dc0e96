"""Benchmarks (`make bench`): event ingest over HTTP and segment counts over a million
customers. Each writes bench/results/<name>.json; see docs/benchmarks.md."""
