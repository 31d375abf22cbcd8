"""The ``KefuBackup`` stack in the backup region: the vault that receives cross-region backup copies."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constants import BACKUP_VAULT_NAME


class BackupRegionStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, env: cdk.Environment) -> None:
        super().__init__(
            scope,
            construct_id,
            env=env,
            description="Kefu: backup vault receiving copies of the primary region's backups",
        )
        key = kms.Key(
            self,
            "VaultKey",
            alias="alias/kefu-backup",
            description="Kefu backup copies in the backup region",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.vault = backup.BackupVault(
            self,
            "ReplicaVault",
            backup_vault_name=BACKUP_VAULT_NAME,
            encryption_key=key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        cdk.CfnOutput(self, "ReplicaVaultArn", value=self.vault.backup_vault_arn)
