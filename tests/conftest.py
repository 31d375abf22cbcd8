"""Placeholders for the functions' required settings, so in-process tests can import any handler.

Each handler requires its own settings at import (init), as on Lambda. The in-process suites point the
settings at moto per test (tests/integration/conftest.py) and parse them again; these placeholders only let
the modules load. Whether the real stack gives each function what it requires is checked on the
synthesized template (tests/infra/test_packaging.py) and by the local cloud, which runs every function with
exactly its template environment.
"""

from __future__ import annotations

import os

from kefu.config import Settings

# Optional features that a stack has only when an installation configures them stay off unless a test turns
# them on (a placeholder model id had every bot test asking Bedrock, which the stack's bot may not do).
OFF_UNLESS_CONFIGURED = {"sla_email", "help_chat_url", "bot_generative_model_id"}
for _name, _field in Settings.model_fields.items():
    if _name in OFF_UNLESS_CONFIGURED:
        continue
    if _field.is_required() or _field.default == "":
        os.environ.setdefault(f"KEFU_{_name.upper()}", f"placeholder-{_name.replace('_', '-')}")
# the stream requires an absolute address for the survey's links (a placeholder word would not parse)
os.environ.setdefault("KEFU_PUBLIC_BASE_URL", "https://api.kefu.test/v1/")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
