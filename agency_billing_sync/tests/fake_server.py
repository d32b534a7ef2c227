"""A local HTTP server for the sync tests and benchmarks (vendor fakes build on it).

:class:`FakeServer` listens on 127.0.0.1 on a free port, serves each request in its own
thread (HTTP/1.1, keep-alive) and routes it to a handler by method and path pattern.
Tests script faults on it — any status with any body and headers, a delay longer than
the client's timeout, a dropped connection, a truncated or malformed body — on the n-th
matching request, so a failure can be placed at any batch boundary. It records every
request (method, path, query, headers, body) for assertions. Nothing leaves the machine.

    with FakeVendor() as server:          # a subclass that adds routes in __init__
        backend.base_url = server.url
        server.fail(path="/crm/v3/objects/companies/search", status=429, times=3,
                    headers={"Retry-After": "0"})
        ...
        assert server.count("POST", "/crm/v3/objects/companies/search") == 4
"""

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRequest:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict  # {name: [values]} (repeated keys kept)
    headers: dict  # lower-case names
    body: bytes
    match: object = None  # the route's regex match

    def json(self):
        return json.loads(self.body or b"null")

    def param(self, name, default=None):
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def params(self, name):
        """All values of a parameter, comma lists split (``a=1&a=2`` or ``a=1,2``)."""
        out = []
        for value in self.query.get(name, []):
            out += [part for part in value.split(",") if part]
        return out


@dataclass
class FakeResponse:
    status: int = 200
    body: object = None  # dict/list → JSON, bytes/str as is, None → empty
    headers: dict = field(default_factory=dict)


@dataclass
class Fault:
    """A scripted failure: applies to the requests matching ``method`` and ``path`` (a
    regex searched in the path), after ``skip`` of them went through, ``times`` times."""

    method: str = None
    path: str = None
    status: int = 500
    body: object = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a timeout when > the client's)
    drop: bool = False  # close the connection without answering
    raw: bytes = None  # send these bytes as a 200 body (truncated, malformed JSON)
    skip: int = 0
    times: int = 1

    def matches(self, request):
        return ((self.method is None or self.method == request.method)
                and (self.path is None or re.search(self.path, request.path)))


class FakeServer:
    """Threaded HTTP server on 127.0.0.1 with routes, scripted faults and a request log.

    Subclasses register routes in ``__init__`` with :meth:`route`; a handler takes a
    :class:`FakeRequest` and returns a :class:`FakeResponse`.
    """

    def __init__(self):
        self.routes = []
        self.faults = []
        self.requests = []
        self.lock = threading.RLock()
        self.httpd = None
        self.thread = None

    # -- set-up -----------------------------------------------------------

    def route(self, method, pattern, handler):
        """Serve ``method`` requests whose path matches ``pattern`` (a full regex)."""
        self.routes.append((method, re.compile(pattern), handler))

    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Answers go out at once (Nagle's algorithm held each keep-alive answer back
            # ~40 ms waiting for the client's delayed ACK).
            disable_nagle_algorithm = True

            def log_message(self, fmt, *args):  # keep test output clean
                pass

            def _serve(self):
                server._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       name=f"{type(self).__name__}-http")
        self.thread.start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- scripting --------------------------------------------------------

    def fail(self, **fault):
        """Script a fault (see :class:`Fault`); returns it."""
        fault = Fault(**fault)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self):
        with self.lock:
            self.faults.clear()

    def count(self, method=None, path=None):
        """How many requests matched ``method`` and the ``path`` regex."""
        with self.lock:
            return sum(1 for r in self.requests
                       if (method is None or r.method == method)
                       and (path is None or re.search(path, r.path)))

    def reset_log(self):
        with self.lock:
            self.requests.clear()

    # -- serving ----------------------------------------------------------

    def _handle(self, http):
        parts = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        request = FakeRequest(
            method=http.command, path=parts.path, query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in http.headers.items()}, body=body,
        )
        with self.lock:
            self.requests.append(request)
            fault = self._take_fault(request)
        if fault:
            self._send_fault(http, fault)
            return
        response = self._dispatch(request)
        self._send(http, response)

    def _take_fault(self, request):
        for fault in self.faults:
            if fault.times > 0 and fault.matches(request):
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.times -= 1
                return fault
        return None

    def _dispatch(self, request):
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                request.match = match
                try:
                    return handler(request)
                except Exception as exc:  # a bug in the fake: say it, as a 500
                    return FakeResponse(500, {"status": "error", "message": repr(exc)})
        return FakeResponse(404, {"status": "error", "message": f"no route {request.path}"})

    def _send_fault(self, http, fault):
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            http.close_connection = True
            try:
                http.wfile.flush()
                http.connection.shutdown(2)
            except OSError:
                return
            return
        if fault.raw is not None:
            self._send(http, FakeResponse(200, fault.raw, {"Content-Type": "application/json",
                                                             **fault.headers}))
            return
        self._send(http, FakeResponse(fault.status, fault.body, fault.headers))

    def _send(self, http, response):
        body = response.body
        headers = dict(response.headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json;charset=utf-8")
        elif isinstance(body, str):
            body = body.encode()
        body = body or b""
        try:
            http.send_response(response.status)
            for name, value in headers.items():
                http.send_header(name, str(value))
            http.send_header("Content-Length", str(len(body)))
            http.end_headers()
            http.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            http.close_connection = True
