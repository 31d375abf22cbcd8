"""Cognito user pool for agents: email sign-in, no self sign-up, role groups, the SPA's app client."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.constants import USER_GROUPS, LogicalIds
from infra.nag import acknowledge, pin_logical_id


class Auth(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name="kefu-agents",
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            # Agents are invited by an admin (AdminCreateUser); nobody signs up on their own.
            self_sign_up_enabled=False,
            password_policy=cognito.PasswordPolicy(
                # 10 with every character class: strong, and still admits the local demo password.
                min_length=10,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        pin_logical_id(self.user_pool, LogicalIds.USER_POOL)
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is optional (TOTP) so that agents can sign in to the SPA with USER_PASSWORD_AUTH on day one; "
            "operators who need it set MfaConfiguration to ON (docs/deploy.md).",
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "The Plus feature plan is billed per monthly active user; Kefu ships on the Essentials plan and "
            "documents how to switch to Plus for threat protection (docs/deploy.md).",
        )

        for precedence, group in enumerate(reversed(USER_GROUPS)):
            # Lower precedence wins when a user is in several groups: admin (0) before supervisor before agent.
            cognito.UserPoolGroup(
                self,
                f"{group.capitalize()}Group",
                user_pool=self.user_pool,
                group_name=group,
                precedence=precedence,
                description=f"Kefu {group}s",
            )

        self.spa_client = self.user_pool.add_client(
            "SpaClient",
            user_pool_client_name="kefu-spa",
            generate_secret=False,  # a browser app cannot keep a secret
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            disable_o_auth=True,
            prevent_user_existence_errors=True,
            id_token_validity=cdk.Duration.hours(1),
            access_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.days(30),
            enable_token_revocation=True,
        )
        pin_logical_id(self.spa_client, LogicalIds.USER_POOL_CLIENT)
