"""Kefu's local cloud: the synthesized stack on one machine (``python -m local --help``).

Parts: the AWS emulator (moto) in a process of its own with IAM enforced (``emulator``, ``emulator_patches``),
holding the template's tables, queues, topics, buckets, KMS keys, user pool, roles and state machines
(``provision``, ``iam``); every function in worker processes of its own, run by AWS's runtime interface
client against a local Runtime API (``runtime``, ``lambdas``, ``packaging``); the API Gateway stand-in
(``gateway``); Lambda's event sources (``dispatchers``); osmem-server for search; snapshots of the state in
``.kefu/`` (``persistence``). Where it knowingly differs from AWS is written down in docs/local-cloud.md.
"""
