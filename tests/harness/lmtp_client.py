"""lmtp_client.py - a raw LMTP client for the tests and benchmarks.

Every reply is read and returned as it came, so that a test can check
each code and text (smtplib.LMTP hides the per-recipient answers of
DATA).
"""

import socket


def stuff(data):
    """Dot-stuffed, CRLF-ended data and the final dot."""
    if not data.endswith(b"\n"):
        data += b"\r\n"
    lines = data.split(b"\n")
    out = b"\n".join(b"." + ln if ln.startswith(b".") else ln
                     for ln in lines)
    return out + b".\r\n"


class Client:
    """A raw LMTP client: every reply is read and returned as is."""

    def __init__(self, where, timeout=20):
        if isinstance(where, str):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(where)
        else:
            self.sock = socket.create_connection(where, timeout=timeout)
        self.f = self.sock.makefile("rb")
        self.greeting = self.reply()

    def close(self):
        self.f.close()
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else
                          data.encode())

    def reply(self):
        """(code, text of every line joined), or (None, "") at EOF."""
        lines = []
        while True:
            ln = self.f.readline()
            if not ln:
                return None, "\n".join(lines)
            ln = ln.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(ln[4:])
            if len(ln) < 4 or ln[3] != "-":
                return int(ln[:3]), "\n".join(lines)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def closed(self):
        """Whether the server closed the connection (EOF)."""
        try:
            return self.f.read(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def deliver(self, rcpts, data, sender="c@customer.example.org"):
        """MAIL, RCPT each, DATA: (RCPT replies, final replies)."""
        code, text = self.cmd("MAIL FROM:<%s>" % sender)
        assert code == 250, (code, text)
        rr = [self.cmd("RCPT TO:<%s>" % r) for r in rcpts]
        ok = sum(1 for c, _ in rr if c == 250)
        code, text = self.cmd("DATA")
        if ok == 0:
            return rr, [(code, text)]
        assert code == 354, (code, text)
        self.send(stuff(data))
        return rr, [self.reply() for _ in range(ok)]
