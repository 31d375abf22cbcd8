"""Kefu's local cloud: the synthesized stack on one machine (``python -m local --help``).

Parts: moto in server mode (in-process) holding the template's tables, queues, topics, buckets, KMS keys,
user pool and state machines (``provision``); the API Gateway stand-in (``gateway``); Lambda's event
sources (``dispatchers``); osmem-server for search; snapshots of the state in ``.kefu/`` (``persistence``).

Where it knowingly differs from AWS:
- unknown routes answer 404 ``{"message": "Not Found"}`` (API Gateway: 403 "Missing Authentication Token"),
  a known path with a missing method 405;
- header names reach handlers in canonical ``Title-Case`` (the ASGI server lowercases them; AWS passes
  the client's spelling): read headers case-insensitively;
- SQS records a function reports as failed come back after 1 s instead of the queue's visibility timeout;
- stream batches are not bisected on function errors; FilterCriteria are not applied;
- all functions share one process environment (``POWERTOOLS_SERVICE_NAME`` is ``kefu``);
- Step Functions ``lambda:invoke`` tasks and EventBridge Scheduler schedules are not played yet.
"""
