"""Benchmarks: measured, written to docs, never asserted in timed tests."""
