"""Benchmarks: API latency, live-event fan-out, pipeline speed and queue latency.

Each one runs against real PostgreSQL and Redis, compares against a baseline measured in
the same run, and writes its figures to bench/results.json and bench/RESULTS.md.
"""
