"""The SLA timer workflow: one Standard execution per ticket and schedule generation, its Lambda task, and
the topic its notifications go to.

Each execution gets the ticket's timers (warn, level 1, level 2 for each running clock, oldest first) and
for each: waits until its time (Wait with TimestampPath), reads the ticket's ``sla`` with a DynamoDB GetItem
task (no Lambda), and only when the ticket is still at the execution's generation invokes the SLA function,
which warns or escalates. A change of schedule starts a new execution and stops this one (the stream), and
the generation check makes an execution that outlived its stop do nothing.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infra.constants import SLA_FUNCTION, LogicalIds
from infra.constructs.functions import account_of, region_of
from infra.constructs.lambda_function import KefuFunction
from infra.nag import acknowledge, pin_logical_id
from kefu.config import Env

# A ticket's timers all live in one execution, one after the other (Standard: up to a year).
TIMERS_AT_ONCE = 1


class SlaWorkflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.Table,
        key: kms.IKey,
        code: lambda_.Code,
        layers: list[lambda_.ILayerVersion],
        log_level: str,
        sla_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "SlaTopic", display_name="Kefu SLA warnings and escalations", master_key=key, enforce_ssl=True
        )
        pin_logical_id(self.topic, LogicalIds.SLA_TOPIC)

        environment = {Env.TABLE_NAME: table.table_name, Env.SLA_TOPIC_ARN: self.topic.topic_arn}
        if sla_email:
            environment[Env.SLA_EMAIL] = sla_email
        # warns or escalates: writes the ticket, its event, its queue entry and the notifications; publishes
        self.function = KefuFunction(
            self, SLA_FUNCTION, code=code, layers=layers, environment=environment, log_key=key, log_level=log_level
        )
        grant_notices(self.function, self.topic, sla_email)
        table.grant_read_write_data(self.function)

        read_ticket = sfn.CustomState(
            self,
            "ReadTicket",
            state_json={
                "Type": "Task",
                "Resource": f"arn:{cdk.Aws.PARTITION}:states:::dynamodb:getItem",
                "Parameters": {
                    "TableName": table.table_name,
                    "Key.$": "$.key",  # built by kefu.store.keys, passed in by the stream
                    "ProjectionExpression": "sla.generation",
                    "ConsistentRead": True,
                },
                "ResultPath": "$.found",
                "Retry": [
                    {
                        "ErrorEquals": ["States.TaskFailed", "DynamoDB.SdkClientException"],
                        "IntervalSeconds": 1,
                        "MaxAttempts": 3,
                        "BackoffRate": 2,
                    }
                ],
            },
        )
        act = tasks.LambdaInvoke(
            self,
            "Act",
            lambda_function=self.function,
            payload=sfn.TaskInput.from_object(
                {
                    "ticket_id": sfn.JsonPath.string_at("$.ticket_id"),
                    "generation": sfn.JsonPath.string_at("$.generation"),
                    "target": sfn.JsonPath.string_at("$.timer.target"),
                    "action": sfn.JsonPath.string_at("$.timer.action"),
                    "level": sfn.JsonPath.number_at("$.timer.level"),
                }
            ),
            result_selector={"outcome.$": "$.Payload.outcome"},
            result_path="$.acted",
            retry_on_service_exceptions=True,
        )
        current = sfn.Condition.and_(
            sfn.Condition.is_present("$.found.Item.sla.M.generation.N"),
            sfn.Condition.string_equals_json_path("$.found.Item.sla.M.generation.N", "$.generation"),
        )
        one_timer = (
            sfn.Wait(self, "UntilDue", time=sfn.WaitTime.timestamp_path("$.timer.at"))
            .next(read_ticket)
            .next(
                sfn.Choice(self, "StillCurrent")
                .when(current, act)
                .otherwise(sfn.Succeed(self, "Superseded", comment="the ticket's schedule changed since"))
            )
        )
        timers = sfn.Map(
            self,
            "Timers",
            items_path="$.timers",
            max_concurrency=TIMERS_AT_ONCE,
            item_selector={
                "timer.$": "$$.Map.Item.Value",
                "ticket_id.$": "$.ticket_id",
                "generation.$": "$.generation",
                "key.$": "$.key",
            },
            result_path=sfn.JsonPath.DISCARD,
        ).item_processor(one_timer)

        log_group = logs.LogGroup(
            self,
            "SlaWorkflowLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            encryption_key=key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "SlaStateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(timers),
            tracing_enabled=True,
            # every state change logged, without execution data (tickets' contents stay out of the logs)
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            comment="Kefu: one ticket's SLA timers (warn, level 1, level 2)",
        )
        pin_logical_id(self.state_machine, LogicalIds.SLA_STATE_MACHINE)
        role = self.state_machine.role
        # the read of the ticket: GetItem on the table only, decrypted with the table's key
        role.add_to_principal_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[table.table_arn]))
        key.grant_decrypt(role)
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::<{LogicalIds.SLA_FUNCTION_ID}.Arn>:*]",
            "Step Functions invokes the SLA function by a qualified ARN (version or alias); CDK grants "
            "lambda:InvokeFunction on the function and its qualifiers, this one function only.",
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Logging to CloudWatch Logs and X-Ray tracing from Step Functions need log delivery and "
            "PutTraceSegments actions that support no resource-level permissions (CDK adds exactly these).",
        )

    def grant_timers(self, grantee: KefuFunction) -> None:
        """Start an execution of the workflow, and stop executions of it (the stream's part)."""
        self.state_machine.grant_start_execution(grantee)
        if grantee.role is not None:
            acknowledge(
                grantee.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:{region_of(self)}:{account_of(self)}:"
                f"execution:<{LogicalIds.SLA_STATE_MACHINE}.Name>:*]",
                "A ticket's previous timer is stopped by its execution name (ticket and generation), which is "
                "only known at run time; the grant is StopExecution on this one state machine's executions.",
            )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["states:StopExecution"],
                resources=[
                    cdk.Stack.of(self).format_arn(
                        service="states",
                        resource="execution",
                        resource_name=f"{self.state_machine.state_machine_name}:*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )


def grant_notices(function: KefuFunction, topic: sns.ITopic, sla_email: str | None) -> None:
    """Publish to the SLA topic (encrypted with the data key) and, with an address, mail it through SES."""
    topic.grant_publish(function)
    if sla_email:
        function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail"],
                resources=[
                    cdk.Stack.of(function).format_arn(service="ses", resource="identity", resource_name=sla_email)
                ],
            )
        )
