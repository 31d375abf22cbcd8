"""Use cases: what the functions call. Each takes a Repository (and clients) so tests can run it directly."""
