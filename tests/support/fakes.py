"""Fakes for tests: stand-ins with the production interfaces, and no model or outside network.

:class:`HashingEmbedder` stands for the sentence embedder; :class:`FakeTwilio`
for Twilio's REST API and :class:`DelayProxy` for a slow network between the
Rasa server and the action server, both listening on loopback in this process.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import numpy as np

from knowledge.embedder import Vectors


class HashingEmbedder:
    """A deterministic bag-of-words embedder for fast tests: no model, no torch.

    Texts that share words get similar vectors, which is enough to test the
    index's bookkeeping and the ranking of obviously matching passages.
    """

    model_id = "hashing-256"
    dimensions = 256

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed texts as hashed word counts, normalised."""
        self.calls.append(len(texts))
        matrix = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                matrix[row, bucket % self.dimensions] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return np.asarray(matrix / norms, dtype=np.float32)


@dataclass(frozen=True)
class SentText:
    """One message that the bot asked Twilio to send."""

    to: str
    sender: str
    body: str


class FakeTwilio:
    """Twilio's Messages resource on 127.0.0.1: records every text, in order.

    Requests without the account's basic-auth credentials, or to another
    account's path, get Twilio's 401 and are counted in ``refused``.
    """

    def __init__(self, account_sid: str, auth_token: str, port: int = 0) -> None:
        self.sent: list[SentText] = []
        self.refused = 0
        self._lock = threading.Lock()
        fake = self
        expected = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        messages_path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.headers.get("Authorization") != expected or self.path != messages_path:
                    with fake._lock:
                        fake.refused += 1
                    self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return
                text = SentText(form.get("To", ""), form.get("From", ""), form.get("Body", ""))
                with fake._lock:
                    fake.sent.append(text)
                sid = "SM" + uuid.uuid4().hex
                self._reply(
                    201,
                    {
                        "sid": sid,
                        "account_sid": account_sid,
                        "to": text.to,
                        "from": text.sender,
                        "body": text.body,
                        "status": "queued",
                        "num_segments": "1",
                        "direction": "outbound-api",
                        "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
                    },
                )

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def texts_to(self, phone: str) -> list[str]:
        with self._lock:
            return [t.body for t in self.sent if t.to == phone]


class DelayProxy:
    """Forwards the Rasa server's action calls to the action server, after ``delay`` seconds.

    It listens (on a free port of 127.0.0.1) from construction until
    :meth:`close`; an unreachable action server gets the Rasa server a 502.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.delay = 0.0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(proxy.delay)
                request = urllib.request.Request(
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}, method="POST"
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, data = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, data = error.code, error.read()
                except OSError:
                    status, data = 502, b'{"error": "action server unreachable"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # Rasa gave up waiting (the action timeout)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
