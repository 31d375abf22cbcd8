"""The plugin registry loads only the channel a request needs, and heavy modules wait until they are used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.channels import load, module_names
from kefu.channels.base import adapter_class, adapter_for, registered_channels
from kefu.errors import InvalidInput, NotFound

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("cryptography", "phonenumbers", "defusedxml", "urllib3")


def loaded_after(code: str) -> dict[str, list[str]]:
    """Which kefu.channels modules and heavy packages a fresh interpreter holds after ``code``."""
    script = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps({'channels': sorted(m for m in sys.modules if m.startswith('kefu.channels.')),"
        f" 'heavy': sorted(m for m in {HEAVY!r} if m in sys.modules)}}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers/kefu/python")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    result: dict[str, list[str]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_one_channel_loads_one_adapter_and_nothing_heavy() -> None:
    found = loaded_after("from kefu.channels.base import adapter_for; adapter_for('telegram')")
    assert found["channels"] == [
        "kefu.channels._common",
        "kefu.channels._fetch",
        "kefu.channels.base",
        "kefu.channels.telegram",
    ]
    assert found["heavy"] == []


def test_wechat_plain_mode_never_imports_cryptography_but_safe_mode_does() -> None:
    found = loaded_after("from kefu.channels.base import adapter_for; adapter_for('wechat')")
    assert "kefu.channels.email" not in found["channels"] and "kefu.channels.wecom" not in found["channels"]
    assert found["heavy"] == ["defusedxml"]  # every WeChat body is XML; AES only in safe mode
    safe = loaded_after(
        "from kefu.channels import _tencent, wechat\n"
        "_tencent.crypto_for('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1')"
    )
    assert "cryptography" in safe["heavy"]


def test_the_email_module_is_light_to_import() -> None:
    """The functions wire the email adapter's S3/SES hooks at start-up: that must not load x509 and MIME."""
    found = loaded_after("import kefu.channels.email")
    assert found["heavy"] == []


def test_every_module_registers_the_channel_it_is_named_after() -> None:
    names = module_names()
    assert {"wechat", "wecom", "whatsapp", "messenger", "twilio", "line", "telegram", "weibo", "email"} <= set(names)
    assert not {"base", "_common", "_tencent"} & set(names)
    assert registered_channels() == sorted(names)
    for name in names:
        assert adapter_class(name).channel == name


@pytest.mark.parametrize("name", ["base", "_common", "_tencent", "nope", "../x", "os.path"])
def test_helpers_and_unknown_names_are_not_channels(name: str) -> None:
    assert load(name) is False
    with pytest.raises(NotFound, match="unknown channel"):
        adapter_for(name)
    with pytest.raises(InvalidInput, match="unknown channel"):
        adapter_class(name)
