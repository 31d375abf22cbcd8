"""Order lookup (docs/orders.md): the installation's order system, reached over HTTPS by the bot and the agent
API. Nothing is created unless an installation names its endpoint (``-c kefu:ordersEndpoint=https://...``);
then a Secrets Manager secret for its token (Kefu's KMS key; the operator puts the real token in it), and each
reader gets the endpoint, the secret's ARN and the right to read exactly that secret.
"""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge
from kefu.config import Env
from kefu.orders.endpoint import check_endpoint


class OrderLookup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        endpoint: str,
        auth_header: object = None,
        timeout_seconds: object = None,
    ) -> None:
        super().__init__(scope, construct_id)
        try:
            self.endpoint = check_endpoint(endpoint)
        except ValueError as error:
            raise ValueError(f"kefu:ordersEndpoint: {error}") from None
        self.auth_header = str(auth_header) if auth_header else None
        self.timeout_seconds = str(timeout_seconds) if timeout_seconds else None
        self.secret = secretsmanager.Secret(
            self,
            "OrdersToken",
            description='Kefu: the token of the order system (put the real one: put-secret-value {"token": ...})',
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}",  # noqa: S106 - an empty JSON object, the token is generated into it
                generate_string_key="token",
                exclude_punctuation=True,
            ),
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "The token is issued by the installation's order system, not by AWS: it is rotated there and "
            "then written here with put-secret-value; a rotation Lambda could not mint a new one.",
        )

    def grant(self, function_: lambda_.Function) -> None:
        """The function asks the order system: its endpoint, and reading exactly this secret (and its key)."""
        function_.add_environment(Env.ORDERS_ENDPOINT, self.endpoint)
        function_.add_environment(Env.ORDERS_SECRET_ARN, self.secret.secret_arn)
        if self.auth_header:
            function_.add_environment(Env.ORDERS_AUTH_HEADER, self.auth_header)
        if self.timeout_seconds:
            function_.add_environment(Env.ORDERS_TIMEOUT_SECONDS, self.timeout_seconds)
        self.secret.grant_read(function_)
