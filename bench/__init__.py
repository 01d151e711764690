"""Benchmarks of the project (``make bench-nlu`` runs :mod:`bench.nlu`)."""
