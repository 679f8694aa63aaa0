#!/usr/bin/python3
"""The lab's HTTP service: GET /bytes/N sends N bytes, POST /echo answers with the body's length.

It runs inside lab hosts only (netpath-lab-http.service) and listens on port 8080, IPv4 and IPv6.
"""

import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = b"\0" * 65536
MAX_BYTES = 1 << 30


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        prefix = "/bytes/"
        if not self.path.startswith(prefix) or not self.path[len(prefix):].isdigit():
            self.send_error(404, "use /bytes/N")
            return
        size = min(int(self.path[len(prefix):]), MAX_BYTES)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        while size > 0:
            piece = CHUNK[: min(size, len(CHUNK))]
            self.wfile.write(piece)
            size -= len(piece)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            piece = self.rfile.read(min(65536, length - received))
            if not piece:
                break
            received += len(piece)
        body = f"{received}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class DualStackServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


if __name__ == "__main__":
    DualStackServer(("::", 8080), Handler).serve_forever()
