"""(e) Our channel adapters side by side with the providers' SDKs and the bare cryptographic floor.

The peers (wechatpy, twilio) are never dependencies of Kefu: they are installed only into the benchmark's own
virtual environment, ``.build/bench-peers`` (created on first use from ``layers/deps/requirements.txt`` plus
the peers, with the same interpreter as the dev venv), and the comparison runs there as a subprocess.

Each pair runs interleaved in one process on the same inputs (fresh, distinct deliveries cycled), alternating
which side goes first; a sample is ``batch`` calls timed with ``perf_counter_ns`` (a batch only where one
call is too short for the clock, e.g. a token compare). Medians and p99 are per call; the ratio is ours /
peer on the medians. Import times: CPU time of fresh interpreters (median), each side alternately.

python -m tests.bench.sdk_compare [--calls 40000]     (prints the rows as JSON)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PEERS_ENV = ROOT / ".build" / "bench-peers"
PEERS = ("wechatpy==1.8.18", "twilio==9.13.0")
TEXT = "你好，我的订单 #10086 还没有发货，请帮我查一下物流。Where is my order?"
DISTINCT = 500  # distinct deliveries per pair, cycled
SAMPLE_NS = 20_000  # a sample lasts at least this long (calls are batched below it)

# --- the benchmark's own environment -----------------------------------------------------------------------


def peers_python() -> Path:
    """The bench-peers interpreter, creating its venv when missing (or when the peers' pins changed)."""
    python = PEERS_ENV / "bin" / "python"
    stamp = PEERS_ENV / ".installed"
    wanted = "\n".join([*PEERS, (ROOT / "layers/deps/requirements.txt").read_text(encoding="utf-8")])
    if python.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    print(f"  creating {PEERS_ENV.relative_to(ROOT)} (the peers live only there)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEERS_ENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    lock = ["-c", str(ROOT / "requirements.lock")] if (ROOT / "requirements.lock").exists() else []
    subprocess.run([*pip, *lock, "-r", str(ROOT / "layers/deps/requirements.txt"), *PEERS], check=True)
    stamp.write_text(wanted, encoding="utf-8")
    return python


def _child_env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers/kefu/python"), str(ROOT / "functions"), str(ROOT)]),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def measure(calls: int = 40_000) -> dict[str, Any]:
    """Run the comparison in the bench-peers environment; its rows and import times."""
    python = peers_python()
    out = subprocess.run(
        [str(python), "-m", "tests.bench.sdk_compare", "--calls", str(calls), "--json"],
        capture_output=True,
        text=True,
        env=_child_env(),
        cwd=ROOT,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["imports"] = import_times(python)
    return result


# --- import time ---------------------------------------------------------------------------------------------

# what one delivery of the channel loads (the module, and what its path imports on first use)
OURS_IMPORTS = {
    "kefu.channels.wechat (safe mode: + cryptography)": "kefu.channels.wechat, cryptography.hazmat.primitives.ciphers",
    "kefu.channels.wecom (+ cryptography)": "kefu.channels.wecom, cryptography.hazmat.primitives.ciphers",
    "kefu.channels.twilio": "kefu.channels.twilio",
    "kefu.channels.whatsapp": "kefu.channels.whatsapp",
    "kefu.channels.line": "kefu.channels.line",
    "kefu.channels.telegram": "kefu.channels.telegram",
}
PEER_IMPORTS = {
    "wechatpy crypto + parser": "wechatpy.crypto, wechatpy.parser",
    "wechatpy enterprise crypto + parser": "wechatpy.enterprise.crypto, wechatpy.enterprise.parser",
    "twilio.request_validator": "twilio.request_validator",
}


def _import_once(python: Path, modules: str) -> float:
    # CPU time of the importing process: what a cold start costs, and steady while other processes share the cores
    code = f"import time; t = time.process_time(); import {modules}; print(time.process_time() - t)"
    out = subprocess.run(
        [str(python), "-c", code], check=False, capture_output=True, text=True, env=_child_env(), cwd=ROOT
    )
    if out.returncode:
        raise RuntimeError(f"import {modules} failed: {out.stderr.strip()[-300:]}")
    return float(out.stdout.strip().splitlines()[-1]) * 1000


def import_times(python: Path, runs: int = 10) -> dict[str, float]:
    """Median ms of fresh interpreters; every module is imported once first (bytecode cache) and the runs
    go round-robin so that a busy moment on the machine falls on all of them alike."""
    every = {**OURS_IMPORTS, **PEER_IMPORTS}
    times: dict[str, list[float]] = {label: [] for label in every}
    for modules in every.values():
        _import_once(python, modules)
    for _ in range(runs):
        for label, modules in every.items():
            times[label].append(_import_once(python, modules))
    return {label: statistics.median(values) for label, values in times.items()}


# --- the pairs (run inside the bench-peers environment) ------------------------------------------------------


@dataclass
class Pair:
    label: str
    ours: Callable[[int], Any]  # the i-th call
    peer: Callable[[int], Any]
    peer_label: str
    target: float | None  # ours / peer at most (None: shown, no target)
    note: str = ""


def _sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _tencent_pairs() -> list[Pair]:
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.enterprise.crypto import WeChatCrypto as WorkCrypto
    from wechatpy.enterprise.parser import parse_message as parse_work_message
    from wechatpy.parser import parse_message

    from kefu.channels import _tencent
    from kefu.channels.base import InboxConfig, WebhookRequest, adapter_for
    from tests.support.providers import new_encoding_aes_key, tencent_encrypt

    pairs: list[Pair] = []
    for channel in ("wechat", "wecom"):
        token, key, receive_id = "bench-token", new_encoding_aes_key(), "wx2c2769f8efd9abc2"
        if channel == "wechat":
            creds = {"token": token, "app_id": receive_id, "app_secret": "s", "encoding_aes_key": key}
            peer_crypto: Any = WeChatCrypto(token, key, receive_id)
            peer_parse: Callable[[str], Any] = parse_message
        else:
            receive_id = "ww5823bf96d3bd56c7"
            creds = {"token": token, "encoding_aes_key": key, "corp_id": receive_id, "agent_id": "1", "secret": "s"}
            peer_crypto = WorkCrypto(token, key, receive_id)
            peer_parse = parse_work_message
        inbox = InboxConfig(id=channel, channel=channel, credentials=creds)
        adapter = adapter_for(channel)
        requests: list[WebhookRequest] = []
        plain: list[bytes] = []
        for i in range(DISTINCT):
            message = (
                f"<xml><ToUserName><![CDATA[gh_kefu]]></ToUserName><FromUserName><![CDATA[openid-{i}]]></FromUserName>"
                f"<CreateTime>{1_700_000_000 + i}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{TEXT}]]></Content><MsgId>{10**15 + i}</MsgId>"
                + ("<AgentID>1</AgentID>" if channel == "wecom" else "")
                + "</xml>"
            ).encode()
            plain.append(message)
            encrypted = tencent_encrypt(key, receive_id, message)
            ts, nonce = str(1_700_000_000 + i), str(100_000 + i)
            body = f"<xml><ToUserName><![CDATA[gh_kefu]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
            query = {"timestamp": ts, "nonce": nonce, "msg_signature": _sha1_sorted(token, ts, nonce, encrypted)}
            if channel == "wechat":
                query |= {"signature": _sha1_sorted(token, ts, nonce), "encrypt_type": "aes", "openid": f"openid-{i}"}
            url = f"https://kefu.example.com/webhooks/{channel}/{channel}?" + urllib.parse.urlencode(query)
            requests.append(
                WebhookRequest(
                    "POST", url, f"/webhooks/{channel}/{channel}", {"content-type": "text/xml"}, query, body.encode()
                )
            )
        assert adapter.verify_and_parse(requests[0], inbox)[0].text == TEXT
        assert peer_parse(peer_crypto.decrypt_message(requests[0].body, **_peer_query(requests[0]))).content == TEXT

        def ours(i: int, adapter: Any = adapter, requests: list[WebhookRequest] = requests, inbox: Any = inbox) -> Any:
            return adapter.verify_and_parse(requests[i % DISTINCT], inbox)

        def peer(
            i: int, crypto: Any = peer_crypto, parse: Any = peer_parse, requests: list[WebhookRequest] = requests
        ) -> Any:
            request = requests[i % DISTINCT]
            q = request.query
            return parse(crypto.decrypt_message(request.body, q["msg_signature"], q["timestamp"], q["nonce"]))

        name = "WeChat OA safe mode" if channel == "wechat" else "WeCom callback"
        pairs.append(
            Pair(
                f"{name}: webhook path",
                ours,
                peer,
                "decrypt_message + parse_message",
                1.0,
                "ours: verify_and_parse to InboundMessage (signature, AES, defusedxml, our model)",
            )
        )
        if channel == "wechat":

            def ours_parse(i: int, plain: list[bytes] = plain, inbox: Any = inbox) -> Any:
                return _tencent.xml_message(_tencent.parse_xml(plain[i % DISTINCT]), "wechat", inbox)

            def peer_parse_only(i: int, plain: list[bytes] = plain) -> Any:
                return parse_message(plain[i % DISTINCT])

            pairs.append(
                Pair(
                    "WeChat: parse alone",
                    ours_parse,
                    peer_parse_only,
                    "parse_message",
                    None,
                    "informative: defusedxml (which refuses DTDs) against xmltodict (which does not)",
                )
            )
    return pairs


def _peer_query(request: Any) -> dict[str, str]:
    q = request.query
    return {"signature": q["msg_signature"], "timestamp": q["timestamp"], "nonce": q["nonce"]}


def _twilio_pairs() -> list[Pair]:
    from twilio.request_validator import RequestValidator

    from kefu.channels.base import InboxConfig, WebhookRequest, adapter_for
    from tests.support.providers import sample

    token = "0123456789abcdef0123456789abcdef"
    validator = RequestValidator(token)
    inbox = InboxConfig(
        id="tw",
        channel="twilio",
        credentials={"account_sid": "AC" + "c" * 32, "auth_token": token, "from_number": "+1"},
    )
    adapter = adapter_for("twilio")
    docs = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030"}
    docs |= {"To": "+18005551212"}
    sms = dict(urllib.parse.parse_qsl(sample("twilio/sms_inbound.form.txt").decode(), keep_blank_values=True))
    pairs: list[Pair] = []
    for label, base, action in (
        ("docs example (5 parameters)", docs, "voice"),
        (f"an SMS ({len(sms)} parameters)", sms, "sms"),
    ):
        url = f"https://kefu.example.com/webhooks/twilio/tw/{action}"
        forms: list[dict[str, str]] = []
        requests: list[WebhookRequest] = []
        for i in range(DISTINCT):
            params = dict(base)
            params["CallSid" if action == "voice" else "MessageSid"] = f"{'CA' if action == 'voice' else 'SM'}{i:032d}"
            signature = validator.compute_signature(url, params)
            headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
            body = urllib.parse.urlencode(params).encode()
            forms.append(params)
            requests.append(WebhookRequest("POST", url, f"/webhooks/twilio/tw/{action}", headers, {}, body))
        adapter.verify(requests[0], inbox)
        assert validator.validate(url, forms[0], requests[0].headers["x-twilio-signature"])

        def ours(i: int, requests: list[WebhookRequest] = requests) -> Any:
            return adapter.verify(requests[i % DISTINCT], inbox)

        def peer(i: int, forms: list[dict[str, str]] = forms, requests: list[WebhookRequest] = requests) -> Any:
            return validator.validate(
                requests[i % DISTINCT].url, forms[i % DISTINCT], requests[i % DISTINCT].headers["x-twilio-signature"]
            )

        pairs.append(
            Pair(
                f"Twilio signature, {label}",
                ours,
                peer,
                "RequestValidator.validate",
                1.0,
                "ours from the raw body; the SDK gets the form already decoded by a web framework",
            )
        )
    return pairs


def _floor_pairs() -> list[Pair]:
    from kefu.channels.base import InboxConfig, WebhookRequest, adapter_for
    from tests.support.providers import LineSigner, MetaSigner, TelegramSigner

    pairs: list[Pair] = []
    meta = MetaSigner("whatsapp", "wa", "app-secret", "verify")
    wa = InboxConfig(
        id="wa",
        channel="whatsapp",
        credentials={"verify_token": "verify", "app_secret": "app-secret", "access_token": "t", "phone_number_id": "1"},
    )
    line = LineSigner("line", "line-channel-secret")
    line_inbox = InboxConfig(
        id="line", channel="line", credentials={"channel_secret": line.channel_secret, "channel_access_token": "t"}
    )
    telegram = TelegramSigner("telegram", "tg_secret-1")
    tg_inbox = InboxConfig(
        id="tg", channel="telegram", credentials={"secret_token": telegram.secret_token, "bot_token": "1:t"}
    )

    def requests_of(make: Callable[[int], Any]) -> list[WebhookRequest]:
        out = []
        for i in range(DISTINCT):
            d = make(i)
            headers = {k.lower(): v for k, v in d.headers.items()}
            out.append(
                WebhookRequest(d.method, "https://kefu.example.com" + d.url_path, d.path, headers, d.query, d.body)
            )
        return out

    # Each floor is the minimal correct check a developer would write for the same input: the header read from
    # the same headers mapping the adapter gets, the secret read from the same inbox configuration (as
    # configured: a str), a constant-time compare; nothing prepared outside the call that the adapter could not
    # prepare either. (Until 2026-12-02 the Telegram floor compared two values encoded beforehand: a bare
    # compare_digest, less than one Python call, which no implementation reading a request could approach.)
    wa_requests = requests_of(lambda i: meta.whatsapp_text("1", f"86138{i:08d}", TEXT))
    whatsapp = adapter_for("whatsapp")

    def meta_floor(i: int) -> Any:
        r = wa_requests[i % DISTINCT]
        expected = "sha256=" + hmac.digest(wa.credentials["app_secret"].encode(), r.body, "sha256").hex()
        return hmac.compare_digest(expected.encode(), r.headers.get("x-hub-signature-256", "").encode())

    pairs.append(
        Pair(
            "Meta X-Hub-Signature-256 (WhatsApp text)",
            lambda i: whatsapp.verify(wa_requests[i % DISTINCT], wa),
            meta_floor,
            "header + inbox secret, hmac.digest + compare_digest",
            1.2,
        )
    )

    line_requests = requests_of(lambda i: line.text(f"U{i:032x}", TEXT))
    line_adapter = adapter_for("line")

    def line_floor(i: int) -> Any:
        r = line_requests[i % DISTINCT]
        digest = base64.b64encode(hmac.digest(line_inbox.credentials["channel_secret"].encode(), r.body, "sha256"))
        return hmac.compare_digest(digest, r.headers.get("x-line-signature", "").encode())

    pairs.append(
        Pair(
            "LINE x-line-signature",
            lambda i: line_adapter.verify(line_requests[i % DISTINCT], line_inbox),
            line_floor,
            "header + inbox secret, hmac.digest + b64encode + compare_digest",
            1.2,
        )
    )

    tg_requests = requests_of(lambda i: telegram.text(100_000 + i, TEXT))
    tg_adapter = adapter_for("telegram")

    def tg_floor(i: int) -> Any:
        # encoded: compare_digest refuses a str with non-ASCII characters (TypeError), and a header is anything
        given = tg_requests[i % DISTINCT].headers.get("x-telegram-bot-api-secret-token", "")
        return hmac.compare_digest(tg_inbox.credentials["secret_token"].encode(), given.encode())

    pairs.append(
        Pair(
            "Telegram secret token",
            lambda i: tg_adapter.verify(tg_requests[i % DISTINCT], tg_inbox),
            tg_floor,
            "header + inbox secret, compare_digest",
            1.2,
        )
    )
    return pairs


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_pair(pair: Pair, calls: int) -> dict[str, Any]:
    clock = time.perf_counter_ns
    for i in range(200):  # warm-up: lazy imports, caches per inbox
        pair.ours(i)
        pair.peer(i)
    start = clock()
    for i in range(200):
        pair.ours(i)
    per_call = max(1, (clock() - start) // 200)
    batch = max(1, SAMPLE_NS // per_call)
    samples = max(1, calls // batch)
    ours: list[float] = []
    peer: list[float] = []
    for s in range(samples):
        first, second = (pair.ours, pair.peer) if s % 2 == 0 else (pair.peer, pair.ours)
        base = s * batch
        t0 = clock()
        for i in range(base, base + batch):
            first(i)
        t1 = clock()
        for i in range(base, base + batch):
            second(i)
        t2 = clock()
        a, b = (t1 - t0) / batch / 1000, (t2 - t1) / batch / 1000
        ours.append(a if s % 2 == 0 else b)
        peer.append(b if s % 2 == 0 else a)
    ours_median, peer_median = statistics.median(ours), statistics.median(peer)
    return {
        "pair": pair.label,
        "peer": pair.peer_label,
        "calls": samples * batch,
        "batch": batch,
        "ours_median_us": ours_median,
        "ours_p99_us": _percentile(ours, 0.99),
        "peer_median_us": peer_median,
        "peer_p99_us": _percentile(peer, 0.99),
        "ratio": ours_median / peer_median,
        "target": pair.target,
        "note": pair.note,
    }


def run_all(calls: int) -> list[dict[str, Any]]:
    pairs = [*_tencent_pairs(), *_twilio_pairs(), *_floor_pairs()]
    return [run_pair(pair, calls) for pair in pairs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.sdk_compare")
    parser.add_argument("--calls", type=int, default=40_000, help="calls a side per pair")
    parser.add_argument("--json", action="store_true", help="run here (inside the bench-peers venv), print JSON")
    args = parser.parse_args(argv)
    if args.json:
        import platform

        print(json.dumps({"python": platform.python_version(), "rows": run_all(args.calls)}))
        return 0
    print(json.dumps(measure(args.calls), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
