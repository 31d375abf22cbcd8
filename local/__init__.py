"""Kefu's local cloud: the synthesized stack on one machine (see docs and ``python -m local --help``)."""
