"""The media bucket: customers' images, voice, recordings and attachments, fetched from the providers."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge

# Raw emails are kept only until their attachments are fetched into media/.
RAW_EMAIL_DAYS = 30
# Where an SES receipt rule's S3 action writes incoming mail (for messages over SNS's 150 KB limit).
SES_INBOUND_PREFIX = "ses-inbound/"


class Media(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This bucket only receives the media bucket's access logs; logging it into itself would loop.",
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="media/",
            lifecycle_rules=[
                s3.LifecycleRule(prefix="raw-email/", expiration=cdk.Duration.days(RAW_EMAIL_DAYS)),
                s3.LifecycleRule(prefix=SES_INBOUND_PREFIX, expiration=cdk.Duration.days(RAW_EMAIL_DAYS)),
                s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(30)),
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

        # SES receipt rules of this account may drop incoming mail under ses-inbound/, encrypted with the key.
        account = cdk.Stack.of(self).account
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(f"{SES_INBOUND_PREFIX}*")],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Encrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
