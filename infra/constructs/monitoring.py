"""Alarms on every dead-letter queue and on function errors, published to an encrypted SNS topic."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import LogicalIds
from infra.nag import pin_logical_id


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        dead_letter_queues: Sequence[tuple[str, sqs.IQueue]],
        functions: Sequence[lambda_.IFunction],
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "AlarmTopic", display_name="Kefu alarms", master_key=key, enforce_ssl=True)
        pin_logical_id(self.topic, LogicalIds.ALARM_TOPIC)
        # CloudWatch publishes alarm notifications to the topic, which needs the key to encrypt them.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        notify = actions.SnsAction(self.topic)

        self.alarms: list[cloudwatch.Alarm] = []
        for name, queue in dead_letter_queues:
            alarm = cloudwatch.Alarm(
                self,
                f"{name}NotEmpty",
                alarm_description=f"Kefu: messages are waiting in the {name} dead-letter queue",
                metric=queue.metric_approximate_number_of_messages_visible(
                    period=cdk.Duration.minutes(1), statistic="Maximum"
                ),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(notify)
            self.alarms.append(alarm)
        for function in functions:
            alarm = cloudwatch.Alarm(
                self,
                f"{function.node.id}Errors",
                alarm_description=f"Kefu: {function.node.id} reported errors",
                metric=function.metric_errors(period=cdk.Duration.minutes(5), statistic="Sum"),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(notify)
            self.alarms.append(alarm)
