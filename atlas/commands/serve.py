"""`atlas serve DIR`: a static file server for a built site, with the addresses to open."""

from __future__ import annotations

import functools
import http.server
import socket
from pathlib import Path

from atlas.formats import read_manifest


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".br": "application/octet-stream", ".js": "text/javascript", ".json": "application/json"}

    def log_message(self, fmt, *args):  # quiet: one line per request is noise for a viewer
        pass


def lan_address() -> str | None:
    """This machine's address on the local network, found without sending a packet."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))  # UDP connect sends nothing; it only picks a route
        ip = s.getsockname()[0]
        return None if ip.startswith("127.") else ip
    except OSError:
        return None
    finally:
        s.close()


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 0) -> http.server.ThreadingHTTPServer:
    read_manifest(folder)  # refuse folders that are not sites
    handler = functools.partial(Handler, directory=str(folder))
    return http.server.ThreadingHTTPServer((host, port), handler)


def run(folder: Path, host: str, port: int) -> None:
    server = make_server(folder, host, port)
    port = server.server_address[1]
    print(f"serving {folder} at http://localhost:{port}/", flush=True)
    if host in ("0.0.0.0", ""):
        ip = lan_address()
        if ip:
            print(f"on your network (a phone on the same Wi-Fi): http://{ip}:{port}/")
    print("press Ctrl-C to stop", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
