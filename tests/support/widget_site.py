"""A customer's website for the browser tests of the chat widget: fixed pages on an origin of its own (so every
chat call the widget makes is cross-origin, as in production), served from a thread while a test needs it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class WidgetSite(http.server.ThreadingHTTPServer):
    """Serves ``pages`` (path -> HTML) on a free local port; any other path is a 404."""

    def __init__(self, pages: dict[str, str]) -> None:
        encoded = {path: html.encode() for path, html in pages.items()}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = encoded.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serving(pages: dict[str, str]) -> Iterator[WidgetSite]:
    """The site, up for the block and shut down (its port freed) after it."""
    server = WidgetSite(pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def widget_ticket(page: Any) -> str:
    """The ticket id the widget was handed at session start (kept in the site's localStorage)."""
    saved = page.evaluate(
        "() => { for (const k of Object.keys(localStorage)) if (k.startsWith('kefu-widget:')) "
        "return JSON.parse(localStorage.getItem(k)); return null; }"
    )
    assert saved and saved["ticketId"], f"the widget stored no session: {saved}"
    return str(saved["ticketId"])
