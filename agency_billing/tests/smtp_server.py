"""A tiny SMTP server on 127.0.0.1 for tests: it accepts every email, or refuses every
recipient (``550``), as a real mail server that refuses an address does. Not a test
module: the delivery tests start one per class."""

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self):
        server = self.server
        self._reply("220 127.0.0.1 ESMTP agency-billing-test")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode(errors="replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 127.0.0.1")
            elif verb == "MAIL":
                self._reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                if server.refuse:
                    address = command.split(":", 1)[-1].strip()
                    self._reply(f"550 5.1.1 {address}: Recipient address rejected: "
                                "User unknown in virtual mailbox table")
                else:
                    self._reply("250 2.1.5 Ok")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line)
                server.received.append(b"".join(lines))
                self._reply("250 2.0.0 Ok: queued")
            elif verb == "QUIT":
                self._reply("221 2.0.0 Bye")
                return
            else:  # RSET, NOOP...
                self._reply("250 2.0.0 Ok")


class SmtpServer(socketserver.ThreadingTCPServer):
    """``with SmtpServer(refuse=True) as server:`` listens on ``server.port``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refuse=False):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.refuse = refuse
        self.received = []
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
        self._thread.join(5)
