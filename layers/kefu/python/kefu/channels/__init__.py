"""Channel adapters as plugins: every module in this package registers one ``ChannelAdapter``.

Adding a channel means adding a module here, named after its channel (``wechat.py`` registers
``channel = "wechat"``); nothing else lists the channels. A request loads only its own channel's module
(``load(name)``), so a cold container pays for one adapter, not all of them.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

# helper modules that are not channels (private ones start with "_")
_NOT_CHANNELS = frozenset({"base"})


@lru_cache(maxsize=1)
def module_names() -> frozenset[str]:
    """The channel modules in this package, found without importing them."""
    return frozenset(
        m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_CHANNELS and not m.name.startswith("_")
    )


def load(channel: str) -> bool:
    """Import the module of one channel (registering its adapter); False when no such module exists."""
    if channel not in module_names():
        return False
    importlib.import_module(f"{__name__}.{channel}")
    return True


@lru_cache(maxsize=1)
def load_all() -> None:
    for name in sorted(module_names()):
        load(name)
