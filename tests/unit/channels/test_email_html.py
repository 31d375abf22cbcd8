"""An email's HTML body is sanitized on the server before it is stored (kefu.channels._email_html)."""

from __future__ import annotations

from kefu.channels._email_html import MAX_HTML_CHARS, sanitize
from kefu.channels.email import parse_mime

HOSTILE = (
    "<html><head><title>t</title><style>p{color:red}</style></head><body>"
    '<p onclick="steal()" style="position:fixed">Hello <b>there</b></p>'
    "<script>alert(1)</script><iframe src='https://evil.example'></iframe>"
    '<form action="https://evil.example"><input name="pw"></form>'
    '<img src="https://tracker.example/pixel.gif?u=1" alt="logo" width="10" onerror="x()">'
    '<a href="javascript:alert(1)">js</a> <a href="https://shop.example/order/1">your order</a>'
    "<!-- hidden --></body></html>"
)


def test_scripts_handlers_styles_forms_and_remote_images_are_removed() -> None:
    cleaned = sanitize(HOSTILE)
    assert cleaned is not None
    for gone in (
        "script",
        "alert",
        "onclick",
        "onerror",
        "style",
        "iframe",
        "form",
        "input",
        "tracker",
        "hidden",
        "<title",
    ):
        assert gone not in cleaned, gone
    assert "<p>Hello <b>there</b></p>" in cleaned
    assert '<img alt="logo" width="10">' in cleaned  # the picture's text stays, its remote source does not
    assert '<a href="https://shop.example/order/1" rel="noopener noreferrer nofollow">your order</a>' in cleaned
    assert "javascript:" not in cleaned


def test_nothing_readable_or_too_long_keeps_no_html() -> None:
    assert sanitize("  ") is None
    assert sanitize("<script>x</script>") is None
    assert sanitize("<p>" + "a" * MAX_HTML_CHARS + "</p>") is None


def test_a_multipart_email_keeps_its_text_and_its_sanitized_html() -> None:
    raw = (
        b"From: Bob <bob@example.com>\r\nTo: support@help.example.com\r\nSubject: Order\r\n"
        b"Message-ID: <m2@example.com>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWhere is my order?\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p>Where is <i>my order</i>?</p><img src="http://t.example/x.gif"><script>x()</script>\r\n'
        b"--b--\r\n"
    )
    parsed = parse_mime(raw)
    assert parsed.text == "Where is my order?"
    assert parsed.html == "<p>Where is <i>my order</i>?</p><img>"


def test_a_plain_email_has_no_html() -> None:
    raw = b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    assert parse_mime(raw).html == ""
