"""Service levels: policies (``policy``), business-time arithmetic (``business_time``) and a ticket's clocks
and timers (``clocks``). Pure domain code: no AWS, no clock of its own; the use cases are in
``kefu.services.sla`` and the timers run in the SLA state machine (infra/constructs/workflows.py)."""
