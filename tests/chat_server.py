"""A stdlib HTTP server on 127.0.0.1 (a free port, a real socket) serving in a thread, for the
scripted chat-completions servers of the elicitation tests."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        super().__init__(("127.0.0.1", 0), handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
