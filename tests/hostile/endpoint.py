"""A hostile OpenAI-compatible endpoint on 127.0.0.1: `/v1/chat/completions`, streamed (SSE)
or not, answering with the sentences of the probe and an unasked-for tool call, and
recording every request it was sent. A streamed reply can end as one cut at the token
limit does (`finish="length"`); a reply of `SERVER_ERROR` is an HTTP 503, as an overloaded or
restarting server gives."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVER_ERROR = "<503 Service Unavailable>"


@dataclass
class Endpoint:
    url: str
    replies: list[str]
    requests: list[dict] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def next_reply(self) -> str:
        return self.replies[min(len(self.requests), len(self.replies)) - 1]


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"role": "assistant", "content": content}
    body = {
        "id": "hostile",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "hostile",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def _completion(content: str) -> dict:
    tool_call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "delete_index", "arguments": '{"everything": true}'},
    }
    return {
        "id": "hostile",
        "object": "chat.completion",
        "created": 0,
        "model": "hostile",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "tool_calls": [tool_call]},
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def hostile_endpoint(*replies: str, finish: str = "stop") -> Iterator[Endpoint]:
    state = Endpoint("", list(replies))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(body)
            state.headers.append({k.lower(): v for k, v in self.headers.items()})
            reply = state.next_reply()
            if not self.path.endswith("/chat/completions"):
                self.send_error(404)
                return
            if reply == SERVER_ERROR:
                self.send_error(503)
                return
            self.send_response(200)
            if body.get("stream"):
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for word in reply.split(" "):
                    self.wfile.write(_chunk(word + " "))
                self.wfile.write(_chunk(None, finish))
                self.wfile.write(b"data: [DONE]\n\n")
                return
            data = json.dumps(_completion(reply)).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
