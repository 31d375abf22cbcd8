"""Build the CDK app: both stacks, cdk-nag as a validation plugin, context read in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.constants import (
    BACKUP_STACK_ID,
    DEFAULT_BACKUP_REGION,
    DEFAULT_LOG_LEVEL,
    DEFAULT_REGION,
    SPA_DIST_DIR,
    STACK_ID,
    Context,
)
from infra.stacks.backup import BackupRegionStack
from infra.stacks.primary import KefuStack


def _context(app: cdk.App, key: str, default: str) -> str:
    value = app.node.try_get_context(key)
    return default if value is None or value == "" else str(value)


def web_hosting_wanted(setting: str, spa_dist_dir: Path) -> bool:
    """Context kefu:webHosting: "auto" hosts the SPA when it has been built, "true" insists, "false" skips."""
    setting = setting.lower()
    if setting not in ("auto", "true", "false"):
        raise ValueError(f"context {Context.WEB_HOSTING} must be auto, true or false, not {setting!r}")
    if setting == "true" and not spa_dist_dir.is_dir():
        raise FileNotFoundError(f"{Context.WEB_HOSTING}=true but {spa_dist_dir} does not exist: build the SPA")
    return setting == "true" or (setting == "auto" and spa_dist_dir.is_dir())


# CDK feature flags the app relies on; set here (not only in cdk.json) so `python infra/app.py` synthesizes
# the same template as `cdk synth`.
FEATURE_FLAGS: dict[str, Any] = {
    # S3 server access logging through a bucket policy instead of the legacy LogDeliveryWrite ACL.
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


def create_app(
    outdir: str | None = None,
    context: dict[str, Any] | None = None,
    *,
    spa_dist_dir: Path = SPA_DIST_DIR,
) -> cdk.App:
    app = cdk.App(outdir=outdir, context={**FEATURE_FLAGS, **(context or {})})
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = _context(app, Context.REGION, os.environ.get("CDK_DEFAULT_REGION") or DEFAULT_REGION)
    backup_region = _context(app, Context.BACKUP_REGION, DEFAULT_BACKUP_REGION)
    if backup_region == region:
        raise ValueError(f"{Context.BACKUP_REGION} must differ from the primary region ({region})")
    # Unset: the hosted SPA's own origin only. "*" must be asked for explicitly.
    configured = app.node.try_get_context(Context.API_ALLOWED_ORIGINS)
    origins = None if configured in (None, "") else [o.strip() for o in str(configured).split(",") if o.strip()]

    backup_stack = BackupRegionStack(app, BACKUP_STACK_ID, env=cdk.Environment(account=account, region=backup_region))
    primary = KefuStack(
        app,
        STACK_ID,
        env=cdk.Environment(account=account, region=region),
        backup_region=backup_region,
        log_level=_context(app, Context.LOG_LEVEL, DEFAULT_LOG_LEVEL),
        api_allowed_origins=origins,
        alarm_email=app.node.try_get_context(Context.ALARM_EMAIL) or None,
        spa_dist_dir=(
            spa_dist_dir if web_hosting_wanted(_context(app, Context.WEB_HOSTING, "auto"), spa_dist_dir) else None
        ),
    )
    # The backup plan copies into the vault by ARN: deploy the vault first.
    primary.add_stack_dependency(backup_stack, "the backup plan copies recovery points into KefuBackup's vault")

    cdk.Tags.of(app).add("project", "kefu")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app
