"""Entry point of the CDK app: ``python infra/app.py`` (cdk.json runs it with the project's venv).

Before synthesizing it makes sure the dependencies layer exists and matches layers/deps/requirements.txt,
building it with layers/deps/build.py (pip, cross-platform wheels, a few seconds) when it does not.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    _repo_root = Path(__file__).resolve().parent.parent
    # `python infra/app.py` puts infra/ first on sys.path, where infra/constructs/ would shadow the
    # `constructs` library; the repository root and the kefu package go there instead.
    sys.path[0:1] = [str(_repo_root), str(_repo_root / "layers" / "kefu" / "python")]

from infra.application import create_app
from infra.layers import ensure_dependencies_layer


def main() -> int:
    try:
        ensure_dependencies_layer()
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    create_app().synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
