"""Channel adapters as plugins: every module in this package registers one ``ChannelAdapter``.

Adding a channel means adding a module here, named after its channel (``wechat.py`` registers
``channel = "wechat"``); nothing else lists the channels. A request loads only its own channel's module
(``load(name)``), so a cold container pays for one adapter, not all of them.
"""

from __future__ import annotations

import importlib

# helper modules that are not channels (private ones start with "_")
_NOT_CHANNELS = frozenset({"base"})


def module_names() -> list[str]:
    """The channel modules in this package, found without importing them."""
    import pkgutil  # here: only listing all channels needs it, and it costs a cold start ~10 ms

    return sorted(
        m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_CHANNELS and not m.name.startswith("_")
    )


def load(channel: str) -> bool:
    """Import the module of one channel (registering its adapter); False when no such module exists."""
    if not channel.isidentifier() or channel in _NOT_CHANNELS or channel.startswith("_"):
        return False
    name = f"{__name__}.{channel}"
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name != name:
            raise  # the channel's module exists but something it imports does not: a packaging bug
        return False
    return True


def load_all() -> None:
    for name in module_names():
        load(name)
