"""The REST API's stage URL in a function's variables points at the local gateway (local/cloud.py)."""

from __future__ import annotations

from local.cloud import on_the_gateway

STAGE = "https://local.execute-api.us-east-1.amazonaws.com/prod"
GATEWAY = "http://127.0.0.1:40123"


def test_the_stage_url_and_paths_under_it_move_to_the_gateway_and_nothing_else_changes() -> None:
    environment = {
        "KEFU_PUBLIC_BASE_URL": f"{STAGE}/",
        "BARE": STAGE,
        "DEEP": f"{STAGE}/csat/abc",
        "OTHER_STAGE": f"{STAGE}uction/",  # /production is another stage, not a path under /prod
        "CUSTOM_DOMAIN": "https://help.example.com/",
        "TABLE": "kefu-DataTable",
    }
    assert on_the_gateway(environment, STAGE, GATEWAY) == {
        "KEFU_PUBLIC_BASE_URL": f"{GATEWAY}/",
        "BARE": GATEWAY,
        "DEEP": f"{GATEWAY}/csat/abc",
        "OTHER_STAGE": f"{STAGE}uction/",
        "CUSTOM_DOMAIN": "https://help.example.com/",
        "TABLE": "kefu-DataTable",
    }
