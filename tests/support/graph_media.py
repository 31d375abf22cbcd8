"""WhatsApp's Graph API serving one customer's file, as a local server for the media tests (no kefu imports:
the end-to-end tests use it too)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class GraphMedia(ThreadingHTTPServer):
    """WhatsApp's Graph API for one media id: ``GET /<version>/<media_id>`` answers where the file is,
    ``GET /files/<media_id>`` the file itself; with ``token``, only to that bearer token (else 404, as for any
    other path). ``before_file`` runs before the file is sent (a test holds the download there)."""

    def __init__(
        self, media_id: str, body: bytes, *, token: str | None = None, before_file: Callable[[], None] | None = None
    ) -> None:
        class Graph(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                base = f"http://127.0.0.1:{self.server.server_address[1]}"  # type: ignore[index]
                authorized = token is None or self.headers.get("Authorization") == f"Bearer {token}"
                if authorized and self.path == f"/files/{media_id}":
                    if before_file is not None:
                        before_file()
                    answer, kind = body, "image/png"
                elif authorized and self.path.endswith(f"/{media_id}"):
                    answer = json.dumps({"url": f"{base}/files/{media_id}", "mime_type": "image/png"}).encode()
                    kind = "application/json"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return

        super().__init__(("127.0.0.1", 0), Graph)
        self.url = f"http://127.0.0.1:{self.server_port}"


@contextmanager
def graph_media(
    media_id: str, body: bytes, *, token: str | None = None, before_file: Callable[[], None] | None = None
) -> Iterator[GraphMedia]:
    """The Graph API up for the block, shut down after it."""
    server = GraphMedia(media_id, body, token=token, before_file=before_file)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
