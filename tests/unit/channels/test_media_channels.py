"""fetch_media of every channel against a loopback server playing the provider: exact requests, results,
error mapping (4xx final, 5xx / timeouts retryable) and the size cap; HttpClient.download's guarantees."""

from __future__ import annotations

import base64
import json
import socket
import threading
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kefu.channels import email as email_channel
from kefu.channels import wechat, wecom
from kefu.channels.base import HttpClient, InboxConfig, adapter_for
from kefu.channels.email import EmailAdapter, extract_attachments
from kefu.channels.line import CONTENT_URL, LineAdapter
from kefu.channels.messenger import MessengerAdapter
from kefu.channels.telegram import TelegramAdapter
from kefu.channels.twilio import TwilioAdapter
from kefu.channels.wechat import WeChatAdapter
from kefu.channels.wecom import WeComAdapter
from kefu.channels.whatsapp import WhatsAppAdapter
from kefu.errors import ProviderError
from kefu.models import Attachment

from .conftest import sample

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 32
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Seen:
    method: str
    target: str  # path and query
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.target).query))


class MediaServer:
    """Scripted answers per path (FIFO, unscripted paths answer 404) with any headers; records requests."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._answers: dict[str, deque[tuple[int, dict[str, str], bytes, bool]]] = defaultdict(deque)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.seen.append(Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
                    queue = server._answers[self.path.split("?", 1)[0]]
                    status, headers, body, with_length = queue.popleft() if queue else (404, {}, b"{}", True)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if with_length:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (size cap): expected

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(
        self,
        path: str,
        body: bytes | dict[str, Any] = b"",
        status: int = 200,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        with_length: bool = True,
    ) -> None:
        payload = json.dumps(body).encode() if isinstance(body, dict) else body
        all_headers = dict(headers or {})
        all_headers["Content-Type"] = content_type or ("application/json" if isinstance(body, dict) else "image/jpeg")
        self._answers[path].append((status, all_headers, payload, with_length))

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()
            self._answers.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MediaServer, MediaServer]]:
    """Two loopback servers for the whole module (each shutdown costs serve_forever's poll interval)."""
    first, second = MediaServer(), MediaServer()
    yield first, second
    first.close()
    second.close()


@pytest.fixture
def server(servers: tuple[MediaServer, MediaServer]) -> MediaServer:
    servers[0].reset()
    return servers[0]


@pytest.fixture
def other_host(servers: tuple[MediaServer, MediaServer]) -> MediaServer:
    """A second origin (another port): where providers redirect file downloads (a CDN, S3)."""
    servers[1].reset()
    return servers[1]


@pytest.fixture
def http() -> HttpClient:
    return HttpClient(timeout=5)


@pytest.fixture(autouse=True)
def fresh_tokens() -> Iterator[None]:
    wechat.TOKENS.clear()
    wecom.TOKENS.clear()
    yield
    wechat.TOKENS.clear()
    wecom.TOKENS.clear()


def inbox(channel: str, base: str | None, **credentials: str) -> InboxConfig:
    return InboxConfig(id=f"{channel}-1", channel=channel, credentials=credentials, api_base=base)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"


# --- HttpClient.download ---------------------------------------------------------------------------------


def test_download_drops_credentials_on_a_redirect_to_another_origin(
    server: MediaServer, other_host: MediaServer, http: HttpClient
) -> None:
    server.answer("/same", status=302, headers={"Location": "/file"})
    server.answer("/file", JPEG)
    server.answer("/away", status=307, headers={"Location": f"{other_host.base}/signed?X-Amz-Signature=s"})
    other_host.answer("/signed", PNG, content_type="image/png")
    auth = {"Authorization": "Bearer SECRET"}

    assert http.download(f"{server.base}/same", headers=auth).body == JPEG
    assert [s.headers.get("authorization") for s in server.seen] == ["Bearer SECRET", "Bearer SECRET"]

    assert http.download(f"{server.base}/away", headers=auth).body == PNG
    assert server.seen[-1].headers.get("authorization") == "Bearer SECRET"
    assert other_host.seen[0].path == "/signed"
    assert "authorization" not in other_host.seen[0].headers


def test_download_refuses_non_http_urls_and_redirects(server: MediaServer, http: HttpClient) -> None:
    with pytest.raises(ProviderError) as refused:
        http.download("file:///etc/passwd")
    assert not refused.value.retryable
    server.answer("/evil", status=302, headers={"Location": "file:///etc/passwd"})
    response = http.download(f"{server.base}/evil")
    assert response.status == 302  # the redirect is not followed


def test_download_cap_from_content_length_and_while_reading(server: MediaServer, http: HttpClient) -> None:
    server.answer("/big", b"x" * 5000)
    with pytest.raises(ProviderError, match="5000 bytes, over the 1000-byte limit") as declared:
        http.download(f"{server.base}/big", max_bytes=1000)
    assert not declared.value.retryable
    server.answer("/stream", b"y" * 300_000, with_length=False)  # no Content-Length: counted while reading
    with pytest.raises(ProviderError, match="over the 100000-byte limit"):
        http.download(f"{server.base}/stream", max_bytes=100_000)
    server.answer("/fits", b"z" * 1000)
    assert http.download(f"{server.base}/fits", max_bytes=1000).body == b"z" * 1000


def test_download_unreachable_is_retryable_and_names_only_the_host(http: HttpClient) -> None:
    with pytest.raises(ProviderError) as err:
        http.download(closed_port_url() + "?access_token=SECRET")
    assert err.value.retryable
    assert "SECRET" not in err.value.message and "127.0.0.1" in err.value.message


# --- the default -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["web", "form"])
def test_channels_without_media_say_so(channel: str, http: HttpClient) -> None:
    with pytest.raises(ProviderError, match="has no media to fetch") as err:
        adapter_for(channel).fetch_media(Attachment(media_id="x"), inbox(channel, None), http)
    assert not err.value.retryable


# --- WhatsApp --------------------------------------------------------------------------------------------

WA = {"access_token": "WA-TOKEN", "phone_number_id": "106540352242922"}


def test_whatsapp_media_id_then_url_both_with_bearer(server: MediaServer, http: HttpClient) -> None:
    file_url = f"{server.base}/whatsapp_business/attachments/?mid=1003383421387256&ext=1&hash=h"
    server.answer(
        "/v21.0/1003383421387256",
        {"url": file_url, "mime_type": "image/jpeg", "file_size": str(len(JPEG)), "id": "1003383421387256"},
    )
    server.answer("/whatsapp_business/attachments/", JPEG, content_type="image/jpeg")
    attachment = Attachment(content_type="image/jpeg", media_id="1003383421387256", url="https://expired.example/x")

    blob = WhatsAppAdapter().fetch_media(attachment, inbox("whatsapp", server.base, **WA), http)

    assert (blob.content, blob.content_type, blob.name) == (JPEG, "image/jpeg", None)
    assert [s.target for s in server.seen] == [
        "/v21.0/1003383421387256",
        "/whatsapp_business/attachments/?mid=1003383421387256&ext=1&hash=h",
    ]
    assert all(s.headers["authorization"] == "Bearer WA-TOKEN" for s in server.seen)


def test_whatsapp_declared_size_over_the_cap_is_refused_before_downloading(
    server: MediaServer, http: HttpClient
) -> None:
    server.answer("/v21.0/M1", {"url": f"{server.base}/file", "file_size": "104857600"})
    with pytest.raises(ProviderError, match="104857600 bytes, over the 1000-byte limit") as err:
        WhatsAppAdapter().fetch_media(
            Attachment(media_id="M1"), inbox("whatsapp", server.base, **WA), http, max_bytes=1000
        )
    assert not err.value.retryable
    assert [s.path for s in server.seen] == ["/v21.0/M1"]


@pytest.mark.parametrize(("status", "code", "retryable"), [(400, 100, False), (404, 100, False), (500, 2, True)])
def test_whatsapp_graph_errors(server: MediaServer, http: HttpClient, status: int, code: int, retryable: bool) -> None:
    server.answer("/v21.0/M1", {"error": {"message": "Unsupported get request", "code": code}}, status=status)
    with pytest.raises(ProviderError, match="Unsupported get request") as err:
        WhatsAppAdapter().fetch_media(Attachment(media_id="M1"), inbox("whatsapp", server.base, **WA), http)
    assert err.value.retryable is retryable


def test_whatsapp_file_download_errors(server: MediaServer, http: HttpClient) -> None:
    server.answer("/v21.0/M1", {"url": f"{server.base}/file"})
    server.answer("/file", b"", status=503)
    with pytest.raises(ProviderError) as err:
        WhatsAppAdapter().fetch_media(Attachment(media_id="M1"), inbox("whatsapp", server.base, **WA), http)
    assert err.value.retryable and err.value.status == 503


# --- Messenger / Instagram -------------------------------------------------------------------------------


def test_messenger_attachment_url_is_a_plain_get(server: MediaServer, http: HttpClient) -> None:
    server.answer("/v/t1.15/photo.png", PNG, content_type="image/png")
    url = f"{server.base}/v/t1.15/photo.png?_nc_cat=1&oh=abc"
    blob = MessengerAdapter().fetch_media(
        Attachment(url=url, name="photo"), inbox("messenger", None, page_access_token="PAGE"), http
    )
    assert (blob.content, blob.content_type, blob.name) == (PNG, "image/png", "photo")
    assert server.seen[0].target == "/v/t1.15/photo.png?_nc_cat=1&oh=abc"
    assert "authorization" not in server.seen[0].headers


def test_messenger_errors_and_cap(server: MediaServer, http: HttpClient) -> None:
    box = inbox("messenger", None, page_access_token="PAGE")
    server.answer("/gone", {"error": {"message": "URL signature expired"}}, status=403)
    with pytest.raises(ProviderError, match="HTTP 403: URL signature expired") as err:
        MessengerAdapter().fetch_media(Attachment(url=f"{server.base}/gone"), box, http)
    assert not err.value.retryable
    server.answer("/big", b"v" * 4096, content_type="video/mp4")
    with pytest.raises(ProviderError, match="over the 1024-byte limit"):
        MessengerAdapter().fetch_media(Attachment(url=f"{server.base}/big"), box, http, max_bytes=1024)
    with pytest.raises(ProviderError, match="no URL"):
        MessengerAdapter().fetch_media(Attachment(media_id="x"), box, http)


# --- WeChat OA -------------------------------------------------------------------------------------------

WX = {"app_id": "wx2c2769f8efd9abc2", "app_secret": "APPSECRET", "token": "t"}


def test_wechat_media_get_with_cached_token(server: MediaServer, http: HttpClient) -> None:
    server.answer("/cgi-bin/token", {"access_token": "TOK1", "expires_in": 7200})
    for _ in range(2):
        server.answer(
            "/cgi-bin/media/get",
            JPEG,
            content_type="image/jpeg",
            headers={"Content-disposition": 'attachment; filename="MEDIA_ID.jpg"'},
        )
    box = inbox("wechat", server.base, **WX)
    adapter = WeChatAdapter()

    first = adapter.fetch_media(Attachment(content_type="image/jpeg", media_id="MID-1"), box, http)
    adapter.fetch_media(Attachment(media_id="MID-2"), box, http)

    assert (first.content, first.content_type, first.name) == (JPEG, "image/jpeg", "MEDIA_ID.jpg")
    assert [s.path for s in server.seen] == ["/cgi-bin/token", "/cgi-bin/media/get", "/cgi-bin/media/get"]
    assert server.seen[0].query == {"grant_type": "client_credential", "appid": WX["app_id"], "secret": "APPSECRET"}
    assert server.seen[1].query == {"access_token": "TOK1", "media_id": "MID-1"}
    assert server.seen[2].query == {"access_token": "TOK1", "media_id": "MID-2"}


def test_wechat_stale_token_is_replaced_once(server: MediaServer, http: HttpClient) -> None:
    server.answer("/cgi-bin/token", {"access_token": "OLD", "expires_in": 7200})
    server.answer("/cgi-bin/token", {"access_token": "NEW", "expires_in": 7200})
    server.answer("/cgi-bin/media/get", {"errcode": 40001, "errmsg": "invalid credential"}, content_type="text/plain")
    server.answer("/cgi-bin/media/get", b"#!AMR\n" + b"\x00" * 20, content_type="audio/amr")
    blob = WeChatAdapter().fetch_media(Attachment(media_id="VOICE"), inbox("wechat", server.base, **WX), http)
    assert blob.content.startswith(b"#!AMR") and blob.content_type == "audio/amr"
    assert [s.query.get("access_token") for s in server.seen if s.path == "/cgi-bin/media/get"] == ["OLD", "NEW"]


def test_wechat_video_answers_a_download_url(server: MediaServer, http: HttpClient) -> None:
    server.answer("/cgi-bin/token", {"access_token": "TOK", "expires_in": 7200})
    server.answer("/cgi-bin/media/get", {"video_url": f"{server.base}/vweixinp/abc.f10.mp4?vkey=K"})
    server.answer("/vweixinp/abc.f10.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16, content_type="video/mp4")
    blob = WeChatAdapter().fetch_media(Attachment(media_id="VID"), inbox("wechat", server.base, **WX), http)
    assert blob.content_type == "video/mp4" and blob.name == "VID.mp4"
    assert server.seen[-1].target == "/vweixinp/abc.f10.mp4?vkey=K"
    assert "access_token" not in server.seen[-1].target


@pytest.mark.parametrize(
    ("errcode", "retryable", "words"), [(40007, False, "3 days"), (-1, True, "system error"), (45009, True, "")]
)
def test_wechat_errcodes(server: MediaServer, http: HttpClient, errcode: int, retryable: bool, words: str) -> None:
    server.answer("/cgi-bin/token", {"access_token": "TOK", "expires_in": 7200})
    server.answer("/cgi-bin/media/get", {"errcode": errcode, "errmsg": "system error" if errcode == -1 else "x"})
    with pytest.raises(ProviderError, match=f"WeChat error {errcode}") as err:
        WeChatAdapter().fetch_media(Attachment(media_id="MID"), inbox("wechat", server.base, **WX), http)
    assert err.value.retryable is retryable
    assert words in err.value.message


def test_wechat_http_5xx_is_retryable(server: MediaServer, http: HttpClient) -> None:
    server.answer("/cgi-bin/token", {"access_token": "TOK", "expires_in": 7200})
    server.answer("/cgi-bin/media/get", b"busy", status=502, content_type="text/plain")
    with pytest.raises(ProviderError) as err:
        WeChatAdapter().fetch_media(Attachment(media_id="MID"), inbox("wechat", server.base, **WX), http)
    assert err.value.retryable and err.value.status == 502


# --- WeCom -----------------------------------------------------------------------------------------------

WECOM = {"corp_id": "wx5823bf96d3bd56c7", "agent_id": "1000002", "secret": "CORPSECRET", "token": "t"}


def test_wecom_media_get(server: MediaServer, http: HttpClient) -> None:
    server.answer("/cgi-bin/gettoken", {"errcode": 0, "access_token": "WTOK", "expires_in": 7200})
    server.answer(
        "/cgi-bin/media/get",
        b"%PDF-1.7\n...",
        content_type="application/octet-stream",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"},
    )
    blob = WeComAdapter().fetch_media(Attachment(media_id="WMID"), inbox("wecom", server.base, **WECOM), http)
    assert (blob.content, blob.content_type, blob.name) == (b"%PDF-1.7\n...", "application/octet-stream", "合同.pdf")
    assert server.seen[0].query == {"corpid": WECOM["corp_id"], "corpsecret": "CORPSECRET"}
    assert server.seen[1].query == {"access_token": "WTOK", "media_id": "WMID"}


def test_wecom_too_large_errcode(server: MediaServer, http: HttpClient) -> None:
    server.answer("/cgi-bin/gettoken", {"errcode": 0, "access_token": "WTOK", "expires_in": 7200})
    server.answer("/cgi-bin/media/get", {"errcode": 830002, "errmsg": "file size exceed limit"})
    with pytest.raises(ProviderError, match="too large") as err:
        WeComAdapter().fetch_media(Attachment(media_id="WMID"), inbox("wecom", server.base, **WECOM), http)
    assert not err.value.retryable


# --- LINE ------------------------------------------------------------------------------------------------

LINE = {"channel_secret": "s", "channel_access_token": "LINE-TOKEN"}


def test_line_content_from_the_data_host_with_bearer(server: MediaServer, http: HttpClient) -> None:
    server.answer("/v2/bot/message/325708/content", JPEG, content_type="image/jpeg")
    attachment = Attachment(content_type="image/jpeg", media_id="325708", url=CONTENT_URL.format(id="325708"))
    blob = LineAdapter().fetch_media(attachment, inbox("line", server.base, **LINE), http)
    assert (blob.content, blob.content_type) == (JPEG, "image/jpeg")
    assert server.seen[0].path == "/v2/bot/message/325708/content"
    assert server.seen[0].headers["authorization"] == "Bearer LINE-TOKEN"


def test_line_external_content_has_no_token(server: MediaServer, http: HttpClient) -> None:
    server.answer("/original.jpg", JPEG)
    attachment = Attachment(media_id="325708", url=f"{server.base}/original.jpg")
    LineAdapter().fetch_media(attachment, inbox("line", "http://127.0.0.1:9", **LINE), http)
    assert server.seen[0].path == "/original.jpg" and "authorization" not in server.seen[0].headers


@pytest.mark.parametrize(("status", "retryable"), [(202, True), (404, False), (500, True)])
def test_line_statuses(server: MediaServer, http: HttpClient, status: int, retryable: bool) -> None:
    server.answer("/v2/bot/message/1/content", {"message": "Not found"}, status=status)
    with pytest.raises(ProviderError) as err:
        LineAdapter().fetch_media(Attachment(media_id="1"), inbox("line", server.base, **LINE), http)
    assert err.value.retryable is retryable


# --- Telegram --------------------------------------------------------------------------------------------

TG = {"secret_token": "s", "bot_token": "123456:ABC-DEF"}


def test_telegram_get_file_then_file_path(server: MediaServer, http: HttpClient) -> None:
    server.answer(
        "/bot123456:ABC-DEF/getFile",
        {
            "ok": True,
            "result": {"file_id": "F1", "file_unique_id": "U", "file_size": 22, "file_path": "voice/file_7.oga"},
        },
    )
    server.answer(
        "/file/bot123456:ABC-DEF/voice/file_7.oga", b"OggS" + b"\x00" * 18, content_type="application/octet-stream"
    )
    blob = TelegramAdapter().fetch_media(
        Attachment(media_id="F1", content_type="audio/ogg"), inbox("telegram", server.base, **TG), http
    )
    assert blob.content.startswith(b"OggS") and blob.name == "file_7.oga"
    assert blob.content_type == "application/octet-stream"  # the media pipeline decides with the webhook's type
    assert [s.target for s in server.seen] == [
        "/bot123456:ABC-DEF/getFile?file_id=F1",
        "/file/bot123456:ABC-DEF/voice/file_7.oga",
    ]


def test_telegram_errors_never_show_the_bot_token(server: MediaServer, http: HttpClient) -> None:
    box = inbox("telegram", server.base, **TG)
    server.answer(
        "/bot123456:ABC-DEF/getFile",
        {"ok": False, "error_code": 400, "description": "Bad Request: file is too big"},
        status=400,
    )
    with pytest.raises(ProviderError, match="file is too big") as too_big:
        TelegramAdapter().fetch_media(Attachment(media_id="F1", name="video.mp4"), box, http)
    assert not too_big.value.retryable and "ABC-DEF" not in too_big.value.message
    server.answer("/bot123456:ABC-DEF/getFile", {"ok": False, "error_code": 429, "description": "Too Many"}, status=429)
    with pytest.raises(ProviderError) as throttled:
        TelegramAdapter().fetch_media(Attachment(media_id="F1"), box, http)
    assert throttled.value.retryable
    broken = inbox("telegram", closed_port_url().removesuffix("/gone"), **TG)
    with pytest.raises(ProviderError) as unreachable:
        TelegramAdapter().fetch_media(Attachment(media_id="F1"), broken, http)
    assert unreachable.value.retryable and "ABC-DEF" not in unreachable.value.message


# --- Twilio ----------------------------------------------------------------------------------------------

TW = {"account_sid": "ACcccc", "auth_token": "AUTH", "from_number": "+15005550006"}
BASIC = "Basic " + base64.b64encode(b"ACcccc:AUTH").decode()


def test_twilio_mms_media_basic_auth_that_does_not_follow_the_redirect(
    server: MediaServer, other_host: MediaServer, http: HttpClient
) -> None:
    path = "/2010-04-01/Accounts/ACcccc/Messages/SMaaaa/Media/MEdddd"
    server.answer(path, status=307, headers={"Location": f"{other_host.base}/media-bucket/abc?X-Amz-Signature=s"})
    other_host.answer("/media-bucket/abc", JPEG, content_type="image/jpeg")
    attachment = Attachment(url=f"https://api.twilio.com{path}", content_type="image/jpeg")

    blob = TwilioAdapter().fetch_media(attachment, inbox("twilio", server.base, **TW), http)

    assert (blob.content, blob.content_type) == (JPEG, "image/jpeg")
    assert server.seen[0].path == path and server.seen[0].headers["authorization"] == BASIC
    assert "authorization" not in other_host.seen[0].headers


def test_twilio_recording_is_asked_for_as_mp3(server: MediaServer, http: HttpClient) -> None:
    path = "/2010-04-01/Accounts/ACcccc/Recordings/REeeee"
    server.answer(path + ".mp3", b"ID3\x03" + b"\x00" * 20, content_type="audio/mpeg")
    attachment = Attachment(url=f"https://api.twilio.com{path}", content_type="audio/wav", name="voicemail.wav")
    blob = TwilioAdapter().fetch_media(attachment, inbox("twilio", server.base, **TW), http)
    assert (blob.content_type, blob.name) == ("audio/mpeg", "voicemail.mp3")
    assert server.seen[0].path == path + ".mp3" and server.seen[0].headers["authorization"] == BASIC


def test_twilio_credentials_only_go_to_twilio(server: MediaServer, http: HttpClient) -> None:
    server.answer("/somewhere/file.jpg", JPEG)
    TwilioAdapter().fetch_media(Attachment(url=f"{server.base}/somewhere/file.jpg"), inbox("twilio", None, **TW), http)
    assert "authorization" not in server.seen[0].headers


@pytest.mark.parametrize(("status", "retryable"), [(401, False), (404, False), (429, True), (500, True)])
def test_twilio_statuses(server: MediaServer, http: HttpClient, status: int, retryable: bool) -> None:
    path = "/2010-04-01/Accounts/ACcccc/Messages/SM1/Media/ME1"
    server.answer(path, {"code": 20404, "message": "The requested resource was not found"}, status=status)
    with pytest.raises(ProviderError, match="requested resource") as err:
        TwilioAdapter().fetch_media(
            Attachment(url=f"https://api.twilio.com{path}"), inbox("twilio", server.base, **TW), http
        )
    assert err.value.retryable is retryable


# --- email -----------------------------------------------------------------------------------------------


def test_email_attachment_is_cut_from_the_stored_raw_email(http: HttpClient) -> None:
    raw = sample("ses/inbound_email_zh_multipart.eml")
    reads: list[tuple[str, str]] = []

    def fetch(bucket: str, key: str) -> bytes:
        reads.append((bucket, key))
        return raw

    [(described, data)] = extract_attachments(raw)
    adapter = EmailAdapter(fetch_object=fetch)
    attachment = described.model_copy(update={"url": "s3://ses-inbound/mail/abc"})
    box = inbox("email", None, address="support@example.com", topic_arns="arn:aws:sns:us-east-1:1:t")

    blob = adapter.fetch_media(attachment, box, http)
    again = adapter.fetch_media(attachment, box, http)

    assert (blob.content, blob.name) == (data, "银行流水.png") and blob.content_type == described.content_type
    assert again.content == data
    assert reads == [("ses-inbound", "mail/abc")]  # one read for every part of the same email
    with pytest.raises(ProviderError, match="no attachment part:7"):
        adapter.fetch_media(attachment.model_copy(update={"media_id": "part:7"}), box, http)
    with pytest.raises(ProviderError, match="over the 10-byte limit"):
        adapter.fetch_media(attachment, box, http, max_bytes=10)


def test_email_errors(http: HttpClient) -> None:
    box = inbox("email", None, address="support@example.com", topic_arns="arn:aws:sns:us-east-1:1:t")
    with pytest.raises(ProviderError, match="not stored in S3") as inline:
        EmailAdapter(fetch_object=lambda b, k: b"").fetch_media(Attachment(media_id="part:0"), box, http)
    assert not inline.value.retryable

    def failing(bucket: str, key: str) -> bytes:
        raise ConnectionError("S3 is down")

    with pytest.raises(ProviderError, match="S3 is down") as down:
        EmailAdapter(fetch_object=failing).fetch_media(Attachment(media_id="part:0", url="s3://b/k"), box, http)
    assert down.value.retryable
    email_channel.set_fetch_object(None)
    with pytest.raises(ProviderError, match="not wired") as unwired:
        EmailAdapter().fetch_media(Attachment(media_id="part:0", url="s3://b/k"), box, http)
    assert not unwired.value.retryable
