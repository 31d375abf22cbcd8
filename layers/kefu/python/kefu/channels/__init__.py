"""Channel adapters as plugins: every module in this package registers one ``ChannelAdapter``.

Adding a channel means adding a module here; nothing else lists the channels.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache


@lru_cache(maxsize=1)
def load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name not in {"base"} and not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
