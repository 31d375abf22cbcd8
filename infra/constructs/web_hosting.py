"""Hosting of the built agent SPA (spa/dist): a private S3 bucket behind CloudFront, plus config.json.

The SPA is built with base path /app/ (as the local gateway serves it), so its files go under app/ in the
bucket; its runtime config is written to /config.json and /app/config.json from the stack's outputs
(``deploy_config``, called once the API exists: the API's CORS allow-list needs this distribution's origin).
Every answer carries the security headers of ``SPA_SECURITY_HEADERS`` (a CloudFront response headers
policy; the local gateway reads the same policy from the template).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from infra.constants import LogicalIds
from infra.nag import acknowledge, cfn_logical_id, pin_logical_id

SPA_PREFIX = "app/"
# The SPA talks to API Gateway and Cognito (*.amazonaws.com), listens on the WebSocket API (wss://: an https://
# source does not cover wss:// in CSP) and shows media through presigned S3 links.
SPA_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https://*.amazonaws.com; media-src 'self' blob: https://*.amazonaws.com; "
    "connect-src 'self' https://*.amazonaws.com wss://*.amazonaws.com; font-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class WebHosting(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, dist_dir: Path) -> None:
        super().__init__(scope, construct_id)
        logs_bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # CloudFront standard logging writes with ACLs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(90))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            logs_bucket,
            "AwsSolutions-S1",
            "This bucket receives the access logs of the SPA bucket and of CloudFront; logging it into "
            "itself would loop and logging it elsewhere only moves the question.",
        )
        bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=logs_bucket,
            server_access_logs_prefix="s3/",
            removal_policy=cdk.RemovalPolicy.DESTROY,
            auto_delete_objects=False,
        )
        pin_logical_id(bucket, LogicalIds.WEB_BUCKET)
        spa_index = f"/{SPA_PREFIX}index.html"
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Kefu agent SPA",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=security_headers_policy(self),
            ),
            default_root_object=spa_index.lstrip("/"),
            # Client-side routes (/app/tickets/123) are not objects: serve the SPA's index for them.
            error_responses=[
                cloudfront.ErrorResponse(http_status=status, response_http_status=200, response_page_path=spa_index)
                for status in (403, 404)
            ],
            enable_logging=True,
            log_bucket=logs_bucket,
            log_file_prefix="cloudfront/",
        )
        self.origin = f"https://{self.distribution.distribution_domain_name}"
        self.url = f"{self.origin}/{SPA_PREFIX}"
        self._bucket = bucket
        distribution_reason_geo = (
            "Customers and agents of a support desk can be anywhere; operators who serve known countries "
            "only can add a geo restriction to the distribution."
        )
        acknowledge(self.distribution, "AwsSolutions-CFR1", distribution_reason_geo)
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "The distribution serves static SPA files only (no data, no forms); the API it talks to has its "
            "own throttling and authorizer. A web ACL can be attached by operators (docs/deploy.md).",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The default *.cloudfront.net certificate does not let CloudFront pin a minimum TLS version; with "
            "a custom domain and certificate, set minimum_protocol_version to TLSv1.2_2021 (docs/deploy.md).",
        )

        spa_deployment = s3_deployment.BucketDeployment(
            self,
            "DeploySpa",
            # Source maps never leave this machine (a build made with them would publish the whole source).
            # Excluded from the asset, not from the deployment: they are not even uploaded to the asset bucket,
            # and pruning deletes any that an earlier deploy left in the web bucket.
            sources=[s3_deployment.Source.asset(str(dist_dir), exclude=["*.map"])],
            destination_bucket=bucket,
            destination_key_prefix=SPA_PREFIX,
            distribution=self.distribution,
            distribution_paths=[f"/{SPA_PREFIX}*"],
            prune=True,
            exclude=["config.json"],
        )
        # Both deployments share CDK's singleton custom-resource handler; acknowledge on its role and function.
        handler_role = spa_deployment.handler_role
        handler_function = handler_role.node.scope
        if handler_function is None:
            raise RuntimeError("BucketDeployment's handler role has no parent function")
        cdk_managed = (
            "CDK's BucketDeployment custom-resource handler runs only at deploy time to copy the built SPA from "
            "the CDK asset bucket into the web bucket and invalidate CloudFront; CDK writes its policy."
        )
        acknowledge(handler_function, "AwsSolutions-L1", f"{cdk_managed} Its runtime is chosen by CDK.")
        acknowledge(
            handler_role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            f"{cdk_managed} It logs with the AWS basic execution policy.",
        )
        stack = cdk.Stack.of(self)
        # How cdk-nag prints the bootstrap asset bucket (an unresolved account shows as <AWS::AccountId>).
        account = "<AWS::AccountId>" if cdk.Token.is_unresolved(stack.account) else stack.account
        qualifier = cdk.DefaultStackSynthesizer.DEFAULT_QUALIFIER
        asset_bucket = f"cdk-{qualifier}-assets-{account}-{stack.region}"
        for finding in (
            "Action::s3:GetObject*",
            "Action::s3:GetBucket*",
            "Action::s3:List*",
            "Action::s3:DeleteObject*",
            "Action::s3:Abort*",
            f"Resource::arn:<AWS::Partition>:s3:::{asset_bucket}/*",
            f"Resource::<{cfn_logical_id(bucket)}.Arn>/*",
            "Resource::*",
        ):
            acknowledge(
                handler_role,
                f"AwsSolutions-IAM5[{finding}]",
                f"{cdk_managed} Its object-level grants span the SPA's objects in exactly these two buckets, "
                "and CloudFront invalidations have no resource-level permissions.",
            )

    def deploy_config(self, runtime_config: Mapping[str, str]) -> None:
        """Write the SPA's runtime config next to it (after the API exists, whose URL it names)."""
        s3_deployment.BucketDeployment(
            self,
            "DeployConfig",
            sources=[
                s3_deployment.Source.json_data("config.json", dict(runtime_config)),
                s3_deployment.Source.json_data(f"{SPA_PREFIX}config.json", dict(runtime_config)),
            ],
            destination_bucket=self._bucket,
            distribution=self.distribution,
            distribution_paths=["/config.json", f"/{SPA_PREFIX}config.json"],
            prune=False,
        )


def security_headers_policy(scope: Construct) -> cloudfront.ResponseHeadersPolicy:
    """No sniffing, no framing, no referrer, HTTPS only, and a content security policy for the SPA."""
    return cloudfront.ResponseHeadersPolicy(
        scope,
        "SecurityHeaders",
        comment="Kefu SPA security headers (docs/security.md)",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=cdk.Duration.days(730), include_subdomains=True, override=True
            ),
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=SPA_CONTENT_SECURITY_POLICY, override=True
            ),
        ),
        remove_headers=["Server"],
    )
