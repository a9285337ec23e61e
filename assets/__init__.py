"""Dagster assets, one module per warehouse layer. Thin: load inputs, call pure code, write, add metadata."""
