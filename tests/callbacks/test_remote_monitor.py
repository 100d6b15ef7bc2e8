"""RemoteMonitor posts each epoch's logs to a local http server (form field or JSON body)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.parse

import numpy as np
import pytest

from tests.callbacks import helpers
from unikeras import callbacks


@pytest.fixture
def server():
    received: list[tuple[str, str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def test_remote_monitor_posts_every_epoch_during_fit(backend, server):
    root, received = server
    model = helpers.model("linear")
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    model.fit(x, x[:, :1], epochs=2, verbose=0, callbacks=[callbacks.RemoteMonitor(root=root, headers={"X-A": "1"})])
    assert [path for path, _, _ in received] == ["/publish/epoch/end/"] * 2
    path, kind, body = received[0]
    assert kind == "application/x-www-form-urlencoded"
    sent = json.loads(urllib.parse.parse_qs(body)["data"][0])
    assert sent["epoch"] == 0 and isinstance(sent["loss"], float)


def test_remote_monitor_json_body_and_unreachable_server(server):
    root, received = server
    monitor = callbacks.RemoteMonitor(root=root, path="/p", send_as_json=True)
    monitor.on_epoch_end(3, {"loss": np.float32(0.5), "acc": np.array(0.25)})
    assert received == [("/p", "application/json", json.dumps({"epoch": 3, "loss": 0.5, "acc": 0.25}))]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor"):
        callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}").on_epoch_end(0, {"loss": 1.0})
