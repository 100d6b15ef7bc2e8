"""``RemoteMonitor``: post the results of every epoch to a server over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Any

import numpy as np

from unikeras.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """At the end of every epoch, POST ``{"epoch": epoch, **logs}`` as JSON to ``root + path``.

    By default the JSON goes in the form field ``field`` (``application/x-www-form-urlencoded``);
    with ``send_as_json=True`` it is the request body (``application/json``). An unreachable server
    gives a warning, not an error. Uses the standard library (Keras needs ``requests``).

    Args:
        root: root URL of the server.
        path: path of the endpoint, appended to ``root``.
        field: name of the form field holding the JSON (``send_as_json=False`` only).
        headers: extra HTTP headers.
        send_as_json: send the JSON as the request body.
        timeout: seconds to wait for the server (not a Keras argument).
    """

    #: Under a distribution, only the chief process (rank 0) runs it.
    chief_only = True

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: dict[str, str] | None = None,
        send_as_json: bool = False,
        timeout: float = 10.0,
    ) -> None:
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        payload: dict[str, Any] = {"epoch": epoch}
        for key, value in (logs or {}).items():
            payload[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        text = json.dumps(payload)
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = text.encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: text}).encode("ascii")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except (urllib.error.URLError, OSError) as err:
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}: {err}", stacklevel=2)


__all__ = ["RemoteMonitor"]
