"""Benchmarks: each prints ``name value unit`` lines. Run them all with ``make bench``."""
