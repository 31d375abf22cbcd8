"""AWS Backup of the table: daily and weekly recovery points, copied to the backup-region vault."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.constants import BACKUP_RETENTION_DAYS, BACKUP_VAULT_NAME
from infra.nag import acknowledge


def replica_vault_arn(backup_region: str) -> str:
    """ARN of the backup-region vault, built as a string (same account, fixed vault name)."""
    return f"arn:{cdk.Aws.PARTITION}:backup:{backup_region}:{cdk.Aws.ACCOUNT_ID}:backup-vault:{BACKUP_VAULT_NAME}"


class Backup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        key: kms.IKey,
        backup_region: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vault = backup.BackupVault(self, "Vault", encryption_key=key, removal_policy=cdk.RemovalPolicy.RETAIN)
        self.replica_vault_arn = replica_vault_arn(backup_region)
        replica_vault = backup.BackupVault.from_backup_vault_arn(self, "ReplicaVault", self.replica_vault_arn)
        retention = cdk.Duration.days(BACKUP_RETENTION_DAYS)
        self.plan = backup.BackupPlan(self, "Plan", backup_vault=self.vault)
        self.plan.add_rule(
            backup.BackupPlanRule(
                rule_name="DailyWithCrossRegionCopy",
                schedule_expression=events.Schedule.cron(hour="3", minute="0"),
                delete_after=retention,
                copy_actions=[
                    backup.BackupPlanCopyActionProps(destination_backup_vault=replica_vault, delete_after=retention)
                ],
            )
        )
        selection = self.plan.add_selection(
            "Table", resources=[backup.BackupResource.from_dynamo_db_table(table)], allow_restores=True
        )
        # The table is encrypted with the customer-managed key: backup and restore jobs run as this role.
        key.grant_encrypt_decrypt(selection.grant_principal)
        for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
            acknowledge(
                selection,
                f"AwsSolutions-IAM5[Action::{action}]",
                f"{action} comes with the encrypt/decrypt grant on the table's key, which backup and restore "
                "jobs need; the statement is limited to that one key.",
            )
        for policy in ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"):
            acknowledge(
                selection,
                f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{policy}]",
                f"{policy} is the AWS-maintained service-role policy AWS Backup documents for its jobs; it "
                "follows new resource types and API changes that a hand-written copy would miss.",
            )
