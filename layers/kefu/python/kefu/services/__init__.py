"""Use cases: what the functions call. Each takes a Store (and clients) so tests can run it directly."""
