"""The emulator checks a request's resource for Secrets Manager, KMS and Lambda, not only its action: a grant
scoped to another secret, key or function is refused locally as it is in AWS (the fixture's FnRole may read
secret A and use DataKey; SchedulerRole may invoke TaskFn)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from local_helpers import client, wait_for

from local.cloud import LocalCloud
from local.iam import LAMBDA_TRUST_POLICY
from local.template import ACCOUNT_ID


def _as_role(cloud: LocalCloud, role: str, service: str) -> Any:
    return _signed_as(cloud, f"arn:aws:iam::{ACCOUNT_ID}:role/kefu-{role}", service)


def _signed_as(cloud: LocalCloud, role_arn: str, service: str) -> Any:
    credentials = client(cloud, "sts").assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=cloud.aws_endpoint,
        region_name=cloud.region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def _refused(call: Any, **kwargs: Any) -> None:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, refused.value.response


def _key_arn(cloud: LocalCloud, logical_id: str) -> str:
    assert cloud.provisioned is not None
    return f"arn:aws:kms:{cloud.region}:{ACCOUNT_ID}:key/{cloud.provisioned.kms_keys[logical_id]}"


def test_a_role_allowed_on_secret_a_is_refused_on_secret_b(fixture_cloud: LocalCloud) -> None:
    secrets = _as_role(fixture_cloud, "FnRole", "secretsmanager")
    assert secrets.get_secret_value(SecretId="kefu/fixture/a")["SecretString"] == "a-value"
    arn = client(fixture_cloud, "secretsmanager").describe_secret(SecretId="kefu/fixture/a")["ARN"]
    assert secrets.get_secret_value(SecretId=arn)["SecretString"] == "a-value"  # by ARN too
    _refused(secrets.get_secret_value, SecretId="kefu/fixture/b")
    _refused(secrets.describe_secret, SecretId="kefu/fixture/a")  # an action it was not given


def test_reading_a_secret_needs_its_kms_key_too(fixture_cloud: LocalCloud) -> None:
    # FnRole may read the secret, but not decrypt with the key it is encrypted under (as in AWS)
    _refused(_as_role(fixture_cloud, "FnRole", "secretsmanager").get_secret_value, SecretId="kefu/fixture/c")


def test_a_role_allowed_on_one_key_is_refused_on_another(fixture_cloud: LocalCloud) -> None:
    kms = _as_role(fixture_cloud, "FnRole", "kms")
    mine, other = _key_arn(fixture_cloud, "DataKey"), _key_arn(fixture_cloud, "OtherKey")
    blob = kms.encrypt(KeyId=mine, Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"  # the key found in the ciphertext
    _refused(kms.encrypt, KeyId=other, Plaintext=b"x")
    foreign = client(fixture_cloud, "kms").encrypt(KeyId=other, Plaintext=b"x")["CiphertextBlob"]
    _refused(kms.decrypt, CiphertextBlob=foreign)


def test_a_role_allowed_to_invoke_one_function_is_refused_on_another(fixture_cloud: LocalCloud) -> None:
    lam = _as_role(fixture_cloud, "SchedulerRole", "lambda")
    # without a payload: a signed request with no body (moto refused every one as a bad signature)
    assert lam.invoke(FunctionName="kefu-TaskFn", InvocationType="DryRun")["StatusCode"] == 204
    _refused(lam.invoke, FunctionName="kefu-ApiFn", InvocationType="DryRun")


def test_a_signed_request_without_a_body_is_judged_on_its_permissions(fixture_cloud: LocalCloud) -> None:
    scheduler = _as_role(fixture_cloud, "FnRole", "scheduler")  # may create schedules, not read them
    with pytest.raises(ClientError) as refused:
        scheduler.get_schedule(Name="kefu-TemplateSchedule")
    assert "AccessDenied" in str(refused.value) and "Signature" not in str(refused.value)
    # and a form (the query protocol), whose body the emulator reads into its parameters, still checks
    ses = _as_role(fixture_cloud, "FnRole", "ses")
    with pytest.raises(ClientError) as refused:
        ses.verify_email_identity(EmailAddress="a@example.com")
    assert "AccessDenied" in str(refused.value) and "Signature" not in str(refused.value)


def test_a_poller_reads_its_queue_as_the_function_s_role(fixture_cloud: LocalCloud, received: Any) -> None:
    """Lambda's pollers act with the function's role: SqsFn's role may read the inbound queue (the other tests
    of the fixture cloud) but not UnreadableQueue, so what waits there never reaches the function."""
    sqs = client(fixture_cloud, "sqs")
    url = sqs.get_queue_url(QueueName="kefu-UnreadableQueue")["QueueUrl"]
    body = f"unreadable-{uuid.uuid4().hex}"
    sqs.send_message(QueueUrl=url, MessageBody=body)
    pollers = [d for d in fixture_cloud.dispatchers if d.spec.logical_id == "UnreadableMapping"]
    assert pollers
    before = sum(poller.errors for poller in pollers)
    wait_for(lambda: sum(poller.errors for poller in pollers) > before)  # refused on its next receive
    waiting = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert waiting["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert not any(record["body"] == body for event in received["sqs"] for record in event["Records"])


def _role_with(cloud: LocalCloud, statement: dict[str, Any], service: str) -> Any:
    """A client signed as a new role that has only ``statement``."""
    name = f"kefu-test-{uuid.uuid4().hex[:8]}"
    iam = client(cloud, "iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY))["Role"]["Arn"]
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]}
    iam.put_role_policy(RoleName=name, PolicyName="only", PolicyDocument=json.dumps(document))
    return _signed_as(cloud, arn, service)


def test_a_role_allowed_one_model_is_refused_another(fixture_cloud: LocalCloud) -> None:
    allowed, other = "anthropic.claude-3-haiku-20240307-v1:0", "amazon.titan-text-express-v1"
    arn = f"arn:aws:bedrock:{fixture_cloud.region}::foundation-model/{allowed}"
    bedrock = _role_with(fixture_cloud, {"Action": "bedrock:InvokeModel", "Resource": arn}, "bedrock-runtime")
    messages = [{"role": "user", "content": [{"text": "hi"}]}]
    _refused(bedrock.converse, modelId=other, messages=messages)
    with pytest.raises(ClientError) as answered:  # past IAM: moto serves InvokeModel only, not Converse
        bedrock.converse(modelId=allowed, messages=messages)
    assert answered.value.response["ResponseMetadata"]["HTTPStatusCode"] != 403, answered.value.response


def test_bedrocks_converse_is_authorized_as_invoke_model(fixture_cloud: LocalCloud) -> None:
    """IAM has no ``bedrock:Converse`` action: Converse needs ``bedrock:InvokeModel`` (the generative bot's grant)."""
    request = {
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
    }
    misnamed = _role_with(fixture_cloud, {"Action": "bedrock:Converse", "Resource": "*"}, "bedrock-runtime")
    _refused(misnamed.converse, **request)
    granted = _role_with(fixture_cloud, {"Action": "bedrock:InvokeModel", "Resource": "*"}, "bedrock-runtime")
    with pytest.raises(ClientError) as answered:  # past IAM: moto serves InvokeModel only, not Converse
        granted.converse(**request)
    assert answered.value.response["ResponseMetadata"]["HTTPStatusCode"] != 403, answered.value.response


def test_an_allowed_request_is_judged_again_once_the_role_s_policies_change(fixture_cloud: LocalCloud) -> None:
    """The emulator keeps what it has allowed per policy text: a grant taken away (an inline policy rewritten,
    a managed policy's new default version, a Deny added) refuses the very request it allowed a moment ago."""
    name = f"kefu-test-{uuid.uuid4().hex[:8]}"
    root_ddb, iam = client(fixture_cloud, "dynamodb"), client(fixture_cloud, "iam")
    root_ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table = f"arn:aws:dynamodb:{fixture_cloud.region}:{ACCOUNT_ID}:table/{name}"

    def document(effect: str, *actions: str) -> str:
        statement = {"Effect": effect, "Action": [f"dynamodb:{action}" for action in actions], "Resource": table}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=document("Allow", "PutItem", "GetItem"))
    ddb = _signed_as(fixture_cloud, arn, "dynamodb")
    item = {"PK": {"S": "TICKET#1"}}

    def refused(call: Any, **kwargs: Any) -> None:
        with pytest.raises(ClientError) as refusal:
            call(TableName=name, **kwargs)
        assert refusal.value.response["Error"]["Code"] == "AccessDeniedException", refusal.value.response

    for _ in range(2):  # the second is answered from what the first taught
        ddb.put_item(TableName=name, Item=item)
    iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=document("Allow", "GetItem"))
    refused(ddb.put_item, Item=item)
    assert ddb.get_item(TableName=name, Key=item)["Item"] == item

    managed = iam.create_policy(PolicyName=name, PolicyDocument=document("Allow", "PutItem"))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=managed)
    ddb.put_item(TableName=name, Item=item)
    iam.create_policy_version(PolicyArn=managed, PolicyDocument=document("Allow", "Query"), SetAsDefault=True)
    refused(ddb.put_item, Item=item)
    iam.set_default_policy_version(PolicyArn=managed, VersionId="v1")
    ddb.put_item(TableName=name, Item=item)
    iam.detach_role_policy(RoleName=name, PolicyArn=managed)
    refused(ddb.put_item, Item=item)

    iam.put_role_policy(RoleName=name, PolicyName="deny", PolicyDocument=document("Deny", "GetItem"))
    refused(ddb.get_item, Key=item)
