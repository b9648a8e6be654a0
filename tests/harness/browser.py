"""Open a local HTML file in a real browser (Debian's headless Chromium).

What Guichet writes for people to look at (reports, the status page) is
checked the way a person would see it: Chromium loads the file, runs its
layout, and gives back the DOM after parsing (dump_dom) or a picture
(screenshot). Every run goes through a proxy on loopback that answers
nothing and records the request line of each connection: a page that is
self-contained makes none, so `fetches` (the request lines, minus the
browser's own calls home to Google's update and clock services) proves
that the page asked nothing of the network (file:// loads do not use the
proxy; http, https and websockets do, loopback included).

    from browser import dump_dom, screenshot, png_is_blank
    dom, fetches = dump_dom(path_of_report_html)
    assert fetches == []
    fetches = screenshot(path_of_report_html, path_of_png)
    assert not png_is_blank(path_of_png)

Chromium refuses to run as root with its sandbox; the tests run as root
in CI, so the sandbox is off (the pages are our own files).
"""

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import zlib

TIMEOUT = 120


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    raise RuntimeError("browser.py: no chromium on PATH "
                       "(scripts/deps.sh installs Debian's chromium)")


class _CountingProxy:
    """A listener that drops every connection after reading its request line."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            # a connection closed before any byte is a preconnect the
            # browser did not use: no request, not a fetch. One that
            # sends nothing for 10 s counts, whatever it was.
            c.settimeout(10)
            try:
                line = c.recv(512).split(b"\r\n")[0]
                if line:
                    self.requests.append(line)
            except OSError:
                self.requests.append(b"(no request line within 10 s)")
            c.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def _run(html_path, extra):
    html_path = os.path.abspath(html_path)
    if not os.path.isfile(html_path):
        raise FileNotFoundError(html_path)
    proxy = _CountingProxy()
    profile = tempfile.mkdtemp(prefix="guichet-chromium-")
    args = [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + profile, "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-default-apps", "--disable-sync",
            "--disable-domain-reliability", "--disable-client-side-phishing-detection",
            "--metrics-recording-only", "--no-default-browser-check",
            "--proxy-server=http://127.0.0.1:%d" % proxy.port,
            "--proxy-bypass-list=<-loopback>",
            "--window-size=1200,1600"] + extra + ["file://" + html_path]
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT,
                           env=dict(os.environ, HOME=profile))
    finally:
        proxy.close()
        shutil.rmtree(profile, ignore_errors=True)
    if p.returncode != 0:
        raise RuntimeError("chromium exited %d: %s" % (
            p.returncode, p.stderr.decode("utf-8", "replace")[-2000:]))
    return p.stdout.decode("utf-8", "replace"), _page_fetches(proxy.requests)


# The browser's own calls home (clock, component updates, account
# probe): made whatever the page, so they are not the page's fetches.
_BROWSER_HOSTS = ("google.com", "googleapis.com", "gvt1.com",
                  "gstatic.com", "googleusercontent.com")


def _host(request_line):
    parts = request_line.decode("latin-1").split()
    if len(parts) < 2:
        return ""
    target = parts[1]
    if "://" in target:
        target = target.split("://", 1)[1]
    return target.split("/", 1)[0].rsplit(":", 1)[0].lower()


def _page_fetches(requests):
    out = []
    for r in requests:
        h = _host(r)
        if any(h == d or h.endswith("." + d) for d in _BROWSER_HOSTS):
            continue
        out.append(r.decode("latin-1"))
    return out


def dump_dom(html_path):
    """The serialized DOM after load, and the page's network fetches."""
    return _run(html_path, ["--dump-dom"])


def screenshot(html_path, png_path):
    """Write a PNG of the page; return the page's network fetches."""
    png_path = os.path.abspath(png_path)
    _, fetches = _run(html_path, ["--screenshot=" + png_path])
    if not os.path.isfile(png_path):
        raise RuntimeError("chromium wrote no screenshot")
    return fetches


def _png_pixels(path):
    """Width, height, bytes per pixel and unfiltered rows of an 8-bit PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG form %r" % (hdr,))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def png_is_blank(png_path, min_colours=3, min_inked=0.002):
    """True when the picture is one flat colour, or nearly: fewer than
    min_colours distinct colours, or fewer than min_inked of its pixels
    differ from the most common colour (the background)."""
    w, h, bpp, rows = _png_pixels(png_path)
    counts = {}
    for row in rows:
        for x in range(0, w * bpp, bpp * 2):
            px = row[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    background = max(counts.values())
    return len(counts) < min_colours or \
        (total - background) < min_inked * total
