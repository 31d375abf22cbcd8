"""Imports (to come): customers and ticket history brought over from another help desk.

Keys it will use, all built in ``keys``: an ``keys.IMPORT`` partition per import run recording its progress
and the source ids already written (so a resumed run writes nothing twice); imported records themselves are
written through the other repositories with their historical timestamps.
"""
