"""Views of the benchmarks blueprint."""
