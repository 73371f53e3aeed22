"""Benchmarks behind `memos bench ...`: they measure the product through its public API."""
