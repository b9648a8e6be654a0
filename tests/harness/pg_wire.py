"""pg_wire - the tests' own session with their PostgreSQL, kept open.

A test reads and changes the database hundreds of times; a psql process
for each costs a program's start and a new server backend, about 45 ms
of CPU on the machines the suite runs on, where one query on a session
kept open costs well under one. Session speaks the simple query
protocol (version 3, trust authentication, as the test clusters are set
up) and does what `psql -X -q --csv -t -v ON_ERROR_STOP=1 -f -` does
for the harness's Postgres.psql():

- the text is cut into statements as psql cuts it (semicolons outside
  quotes, quoted names, dollar quotes and comments), and each is sent on
  its own, so that each runs in its own implicit transaction and those
  before a failing one stay committed;
- the rows of every statement that returns rows come back as text, NULL
  as None;
- the first error stops the rest and is raised with the server's
  message, detail, hint and context, as psql prints them;
- when the call is over, the session is as a new one would be: a
  transaction left open is rolled back (as psql's end would), then
  DISCARD ALL forgets settings, prepared statements, advisory locks,
  LISTENs and temporary tables.

Not for what psql does beyond that (backslash commands, COPY with the
client's files): split() says None, and the caller keeps psql for
those. Not shared between threads at once (the caller holds a lock).
"""

import re
import select
import socket
import struct


class Lost(Exception):
    """The connection could not be made, or went away."""


_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")
_IDENT = re.compile(r"[A-Za-z0-9_$\x80-\uffff]")


def split(sql):
    """The statements of sql, each with its text as written (without the
    semicolon), skipping those that are only blanks or comments.

    None when the text holds what only psql itself does: a backslash
    outside quotes and comments (a command of psql's own), or a COPY
    (it would move data with the client's files)."""
    out = []
    start = 0
    first = None        # where the statement's first word begins
    i = 0
    n = len(sql)

    def end(stop):
        if first is None:
            return True
        if (sql[first:first + 4].upper() == "COPY" and
                not _IDENT.match(sql, first + 4)):
            return False
        out.append(sql[start:stop])
        return True
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and sql.startswith("/*", i):
            depth = 0
            while i < n:
                if sql.startswith("/*", i):
                    depth += 1
                    i += 2
                elif sql.startswith("*/", i):
                    depth -= 1
                    i += 2
                    if depth == 0:
                        break
                else:
                    i += 1
            continue
        if c == "\\":
            return None
        if c == ";":
            if not end(i):
                return None
            start = i + 1
            first = None
            i += 1
            continue
        if first is None and not c.isspace():
            first = i
        if c == "'":
            escapes = (i > 0 and sql[i - 1] in "eE" and
                       (i < 2 or not _IDENT.match(sql[i - 2])))
            i += 1
            while i < n:
                if escapes and sql[i] == "\\":
                    i += 2
                    continue
                if sql[i] == "'":
                    if sql.startswith("''", i):
                        i += 2
                        continue
                    break
                i += 1
            i += 1
            continue
        if c == '"':
            j = sql.find('"', i + 1)
            while j >= 0 and sql.startswith('""', j):
                j = sql.find('"', j + 2)
            i = n if j < 0 else j + 1
            continue
        if c == "$" and (i == 0 or not _IDENT.match(sql[i - 1])):
            m = _DOLLAR.match(sql, i)
            if m:
                j = sql.find(m.group(0), m.end())
                i = n if j < 0 else j + len(m.group(0))
                continue
        i += 1
    return out if end(n) else None


class Session:
    """One connection to host:port as user on dbname."""

    def __init__(self, host, port, user, dbname, timeout=120.0):
        self.key = (host, port, user, dbname)
        self.timeout = timeout
        self.sock = None
        self._buf = b""
        try:
            self.sock = socket.create_connection((host, port), timeout=10)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            params = b"".join(k + b"\0" + v.encode() + b"\0" for k, v in (
                (b"user", user), (b"database", dbname),
                (b"application_name", "psql"),
                (b"client_encoding", "UTF8")))
            body = struct.pack("!i", 196608) + params + b"\0"
            self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
            self.sock.settimeout(timeout)
            while True:
                kind, data = self._message()
                if kind == b"R":
                    if struct.unpack("!i", data[:4])[0] != 0:
                        raise Lost("the server asks for a password")
                elif kind == b"E":
                    raise Lost(_error_text(data))
                elif kind == b"Z":
                    break
        except OSError as e:
            self.close()
            raise Lost(str(e)) from None
        except Lost:
            self.close()
            raise

    def close(self):
        if self.sock is not None:
            try:
                self.sock.sendall(b"X\0\0\0\4")
            except OSError:
                pass
            self.sock.close()
            self.sock = None

    def usable(self):
        """False when the server ended the session while it was idle (a
        restart, pg_terminate_backend): it says so, or closes."""
        if self.sock is None:
            return False
        try:
            r, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not r and not self._buf

    def _recv(self, want):
        while len(self._buf) < want:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Lost("the server closed the connection")
            self._buf += chunk

    def _message(self):
        self._recv(5)
        kind = self._buf[:1]
        size = struct.unpack("!i", self._buf[1:5])[0]
        self._recv(1 + size)
        data = self._buf[5:1 + size]
        self._buf = self._buf[1 + size:]
        return kind, data

    def _send(self, *queries):
        out = []
        for q in queries:
            q = q.encode()
            out.append(b"Q" + struct.pack("!i", len(q) + 5) + q + b"\0")
        self.sock.sendall(b"".join(out))

    def _result(self, rows):
        """Read one query's answer up to ReadyForQuery: appends its rows;
        returns (the error text or None, the transaction status)."""
        error = None
        while True:
            kind, data = self._message()
            if kind == b"D":
                (count,) = struct.unpack("!h", data[:2])
                pos = 2
                row = []
                for _ in range(count):
                    (size,) = struct.unpack("!i", data[pos:pos + 4])
                    pos += 4
                    if size < 0:
                        row.append(None)
                    else:
                        row.append(data[pos:pos + size].decode(
                            "utf-8", "replace"))
                        pos += size
                rows.append(tuple(row))
            elif kind == b"E":
                error = error or _error_text(data)
            elif kind in (b"G", b"H", b"W"):
                # a COPY with the client's files, which split() leaves
                # to psql: the session cannot go on
                raise Lost("COPY: psql's to do")
            elif kind == b"Z":
                return error, data[:1]

    def run(self, statements):
        """Run each statement in turn, up to the first that fails; then
        make the session new again. Returns (the rows of all, the error
        text or None); raises Lost when the connection went away."""
        rows = []
        error = None
        status = b"I"
        try:
            for text in statements:
                self._send(text)
                error, status = self._result(rows)
                if error:
                    break
            if status != b"I":
                self._send("ROLLBACK", "DISCARD ALL")
                self._result([])
            else:
                self._send("DISCARD ALL")
            self._result([])
        except (OSError, struct.error) as e:
            self.close()
            raise Lost(str(e)) from None
        except Lost:
            self.close()
            raise
        return rows, error


def _error_text(data):
    fields = {}
    for part in data.split(b"\0"):
        if part:
            fields[part[:1]] = part[1:].decode("utf-8", "replace")
    text = "%s:  %s" % (fields.get(b"S", "ERROR"), fields.get(b"M", ""))
    for code, name in ((b"D", "DETAIL"), (b"H", "HINT"), (b"W", "CONTEXT")):
        if code in fields:
            text += "\n%s:  %s" % (name, fields[code])
    return text
