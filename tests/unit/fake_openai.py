"""A fake OpenAI-compatible server on 127.0.0.1 for backend tests: real HTTP, real openai client.

`FakeOpenAI(reply)` serves in a thread; `reply(n, path, body, headers)` is called for the n-th request
(0-based) and returns a `Reply`. Every request is logged (`.requests`), so tests bound and count them.
Replies: a JSON body with any status and headers, an SSE stream of chunks (`stream(...)`, optionally
cut off or stalled after some chunks), or raw bytes.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as is
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[dict] | None = None  # an SSE stream: one `data:` event per chunk, then [DONE]
    done: bool = True  # send `data: [DONE]` at the end of a stream
    stall: float = 0.0  # after the chunks, send nothing for this many seconds (then close)


def chat_chunks(content: str = "hi", reasoning: str | None = None, finish: str | None = "stop",
                usage: tuple[int, int] | None = (7, 2), reasoning_field: str = "reasoning_content") -> list[dict]:
    """A streamed chat completion: optional reasoning deltas, content deltas, finish, usage chunk."""
    base = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    out = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    for part in _halves(reasoning):
        out.append({**base, "choices": [{"index": 0, "delta": {reasoning_field: part}, "finish_reason": None}]})
    for part in _halves(content):
        out.append({**base, "choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}]})
    if finish is not None:
        out.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if usage is not None:
        out.append({**base, "choices": [], "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                                                    "total_tokens": sum(usage)}})
    return out


def _halves(text: str | None) -> list[str]:
    if not text:
        return []
    mid = len(text) // 2
    return [t for t in (text[:mid], text[mid:]) if t]


def stream(content: str = "hi", **kw: Any) -> Reply:
    return Reply(chunks=chat_chunks(content, **kw))


class FakeOpenAI:
    def __init__(self, reply: Callable[[int, str, dict, dict], Reply]):
        self.reply = reply
        self.requests: list[tuple[str, dict, dict, float]] = []  # (path, body, headers, time)
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._serve({})

            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                self._serve(json.loads(self.rfile.read(size) or b"{}"))

            def _serve(self, body: dict) -> None:
                with outer._lock:
                    n = len(outer.requests)
                    outer.requests.append((self.path, body, {k.lower(): v for k, v in self.headers.items()},
                                           time.monotonic()))
                r = outer.reply(n, self.path, body, dict(self.headers))
                try:
                    if r.chunks is not None:
                        self._stream(r)
                    else:
                        self._plain(r)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _plain(self, r: Reply) -> None:
                data = r.body if isinstance(r.body, bytes) else json.dumps(r.body).encode()
                self.send_response(r.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in r.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, r: Reply) -> None:
                self.send_response(r.status)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                for k, v in r.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                for chunk in r.chunks:
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                if r.stall:
                    time.sleep(r.stall)
                elif r.done:
                    self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posts(self) -> list[tuple[str, dict, dict, float]]:
        return [r for r in self.requests if r[0] != "/v1/models"]
