"""Benchmarks (`make bench`). The functions' folder is on the path as it is in Lambda's code asset."""

import sys
from pathlib import Path

_FUNCTIONS = str(Path(__file__).resolve().parents[2] / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.insert(0, _FUNCTIONS)
