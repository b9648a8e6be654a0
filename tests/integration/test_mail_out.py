"""test_mail_out.py - what our mails carry: files and HTML.

Through real IMAP, SMTP and PostgreSQL: an agent's files reach the
customer byte for byte (SHA-256 of each part read from the SMTP sink),
inline cid: images included and named in the text; hostile files (empty,
a name with CR/LF/quotes/path separators/non-ASCII, one past
[guichet] reply_attach_max, a lying content type) neither break the mail
nor its headers; every mail we send is multipart/alternative whose HTML,
parsed back, holds only the allowed elements and attributes and the
customer's text escaped; an agent's HTML keeps bold, lists and links and
loses scripts, handlers and javascript: links.
"""

import hashlib
import html.parser
import json
import os
import re
import unittest

from desk_case import DeskCase, mail

# What compose_html.c and html_safe.c may write, with their attributes.
ALLOWED = {
    "html": set(), "head": set(), "meta": {"charset"}, "title": set(),
    "body": {"style"}, "p": set(), "br": set(), "ul": set(), "ol": set(),
    "li": set(), "blockquote": {"style"}, "a": {"href"}, "div": set(),
    "span": set(), "b": set(), "strong": set(), "i": set(), "em": set(),
    "u": set(), "s": set(), "pre": set(), "code": set(), "hr": set(),
}


class Elements(html.parser.HTMLParser):
    """Every element and attribute of a document, and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.tags.append(("!--", {}))


def parse_html(doc):
    p = Elements()
    p.feed(doc)
    p.close()
    return p


def sha(b):
    return hashlib.sha256(b).hexdigest()


def part(ctype, data, name=None, disp="attachment", cid=None, raw_name=None):
    h = "Content-Type: %s\r\n" % ctype
    if raw_name is not None:
        h += "Content-Disposition: %s; %s\r\n" % (disp, raw_name)
    elif name is not None:
        h += "Content-Disposition: %s; filename=\"%s\"\r\n" % (disp, name)
    if cid:
        h += "Content-ID: <%s>\r\n" % cid
    import base64
    body = base64.encodebytes(data).decode().replace("\n", "\r\n")
    return "%sContent-Transfer-Encoding: base64\r\n\r\n%s" % (h, body)


def multipart(kind, boundary, parts):
    out = "Content-Type: multipart/%s; boundary=\"%s\"\r\n\r\n" % (
        kind, boundary)
    for p in parts:
        out += "--%s\r\n%s\r\n" % (boundary, p)
    return out + "--%s--\r\n" % boundary


class MailOut(DeskCase):

    def setUp(self):
        s = self.servers
        self.db = "mo_" + self._testMethodName[5:][:40].lower()
        self.user = ("m" + self._testMethodName[5:])[:30].lower()
        self.configure()
        s.guichet("migrate")
        s.smtp.clear()
        self.n = 0

    def configure(self, **guichet):
        sections = {
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support",
                            "language": "en"},
        }
        if guichet:
            sections["guichet"] = guichet
        self.servers.write_config(dbname=self.db, mailbox_user=self.user,
                                  sections=sections)

    def open_ticket(self, subject="Question sur l export",
                    body="Hello,\n\nThe export gives an empty file.\n"):
        r = self.deliver(mail(subject, body, "open-1@cust.example"))
        return re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)

    def agent_mail(self, number, mime_body):
        """An agent's reply to our notification, with this MIME body
        (its Content-Type line first)."""
        self.n += 1
        n = "<%s>" % self.servers.pg.scalar(
            "SELECT message_id FROM outbox WHERE purpose = 'notify_agent' "
            "ORDER BY id DESC LIMIT 1", db=self.db)
        raw = ("From: Alice Martin <alice@example.com>\r\n"
               "To: support@example.com\r\n"
               "Subject: Re: [%s] Question sur l export\r\n"
               "Message-ID: <agent-%d@example.com>\r\n"
               "In-Reply-To: %s\r\nReferences: %s\r\nMIME-Version: 1.0\r\n"
               % (number, self.n, n, n)) + mime_body
        return self.deliver(raw.encode())

    def files(self, m):
        """(filename, content type, bytes, raw Content-Disposition) of
        every part of m that is not one of its two bodies."""
        out = []
        for p in m.walk():
            if p.is_multipart():
                continue
            if p.get_content_disposition() == "attachment":
                out.append((p.get_filename(), p.get_content_type(),
                            p.get_payload(decode=True),
                            p["Content-Disposition"]))
        return out

    def html_of(self, m):
        h = m.get_body(("html",))
        self.assertIsNotNone(h, "no text/html part")
        return h.get_content()

    def assert_allowed(self, doc):
        p = parse_html(doc)
        for tag, attrs in p.tags:
            self.assertIn(tag, ALLOWED, "element %r" % tag)
            for k, v in attrs.items():
                self.assertIn(k, ALLOWED[tag], "attribute %s of %s" % (k, tag))
                if k == "href":
                    self.assertRegex(v, r"(?i)^(https?://|mailto:)")
                if k == "style":
                    self.assertNotIn("url(", v)
        return p

    # -- item 1: files ---------------------------------------------------

    def test_files_reach_the_customer(self):
        number = self.open_ticket()
        pdf = b"%PDF-1.4\n" + os.urandom(150000) + b"\n%%EOF\n"
        png = (b"\x89PNG\r\n\x1a\n" + os.urandom(3000))
        lying = b"<html><script>alert(1)</script></html>\x00\xff"
        weird = ("filename*=utf-8''..%2F..%2Fetc%2Fpa%22ss%0D%0AX-Evil%3A%20"
                 "1%5Crapport%20%C3%A9t%C3%A9.txt")
        html_body = ('<p>Hello <b>Claire</b>, see the chart:</p>'
                     '<img src="cid:chart.1@example.com" alt="chart">'
                     '<ul><li>step one</li></ul>')
        related = multipart("related", "REL", [
            "Content-Type: text/html; charset=utf-8\r\n\r\n" + html_body,
            part("image/png", png, "chart.png", disp="inline",
                 cid="chart.1@example.com")])
        alt = multipart("alternative", "ALT", [
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Hello Claire, see the chart.\r\n- step one\r\n",
            related])
        body = multipart("mixed", "MIX", [
            alt,
            part("application/pdf", pdf, "report.pdf"),
            part("application/octet-stream", b"", "empty.dat"),
            part("text/plain", b"weird name\n", raw_name=weird),
            part("image/png", lying, "photo.png"),
        ])
        self.servers.smtp.clear()
        self.agent_mail(number, body)
        upd, = self.sent("claire@cust.example")
        self.assertEqual(upd.get_content_type(), "multipart/mixed")
        got = self.files(upd)
        names = [f[0] for f in got]
        by_hash = {sha(f[2]): f for f in got}
        # each file, byte for byte
        for data in (pdf, png, b"", b"weird name\n", lying):
            self.assertIn(sha(data), by_hash, names)
        self.assertEqual(by_hash[sha(pdf)][0], "report.pdf")
        self.assertEqual(by_hash[sha(png)][0], "chart.png")
        self.assertEqual(by_hash[sha(b"")][0], "empty.dat")
        # the lying type is relayed as declared, as a file, never a body
        self.assertEqual(by_hash[sha(lying)][1], "image/png")
        self.assertNotIn("alert(1)", self.html_of(upd))
        # the hostile name: no header smuggled, no path, RFC 2231 out
        wname = by_hash[sha(b"weird name\n")][0]
        self.assertNotIn("/", wname)
        self.assertNotIn("\\", wname)
        self.assertNotIn("\n", wname)
        self.assertIn("rapport été.txt", wname)
        raw, = [r for r in self.servers.smtp.raw_messages()
                if b"claire@cust.example" in r.split(b"\r\n\r\n")[0]]
        self.assertIn(b"filename*0*=utf-8''rapport%20%C3%A9t%C3%A9.txt",
                      raw)
        self.assertNotIn(b"\nX-Evil", raw)
        for p in upd.walk():
            self.assertIsNone(p["X-Evil"])
        # the HTML keeps the agent's formatting, the image is referenced
        doc = self.html_of(upd)
        p = self.assert_allowed(doc)
        self.assertIn(("b", {}), p.tags)
        self.assertIn(("li", {}), p.tags)
        self.assertIn("[image: chart.png]", "".join(p.text))
        plain = upd.get_body(("plain",)).get_content()
        self.assertIn("Hello Claire, see the chart.", plain)
        # the text part names the inline image too, once
        self.assertEqual(plain.count("[image: chart.png]"), 1)

    def test_files_past_the_cap(self):
        self.configure(reply_attach_max="100KB")
        number = self.open_ticket()
        small, big = os.urandom(20000), os.urandom(300000)
        body = multipart("mixed", "MIX", [
            "Content-Type: text/plain; charset=utf-8\r\n\r\nThe logs.\r\n",
            part("application/octet-stream", big, "huge.bin"),
            part("application/octet-stream", small, "small.bin")])
        self.servers.smtp.clear()
        self.agent_mail(number, body)
        upd, = self.sent("claire@cust.example")
        got = self.files(upd)
        self.assertEqual([(f[0], sha(f[2])) for f in got],
                         [("small.bin", sha(small))])
        text = upd.get_body(("plain",)).get_content()
        self.assertIn("The logs.", text)
        self.assertRegex(text, r"\[not attached: huge\.bin, 293 KB, over "
                         r"the 100 KB ")
        self.assertIn("huge.bin", "".join(parse_html(
            self.html_of(upd)).text))
        ev = [e for e in self.show(number)["events"]
              if e["kind"] == "attachment_not_sent"]
        self.assertEqual(len(ev), 1)
        self.assertIn("huge.bin", json.dumps(ev[0]))
        # the agent's own mail keeps every file on the ticket
        self.assertEqual(self.servers.pg.scalar(
            "SELECT count(*) FROM tickets", db=self.db), "1")

    def test_notes_on_files_in_the_readers_language(self):
        # the list of a customer's files in each agent's notification,
        # and the note of a file left out of the copy to the customer,
        # in the language of who reads them
        s = self.servers
        s.write_config(dbname=self.db, mailbox_user=self.user, sections={
            "guichet": {"reply_attach_max": "100KB"},
            "agent alice": {"address": "alice@example.com",
                            "name": "Alice Martin", "queues": "support",
                            "language": "en"},
            "agent bruno": {"address": "bruno@example.com",
                            "name": "Bruno Petit", "queues": "support",
                            "language": "fr"}})
        body = multipart("mixed", "MIX", [
            "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\n"
            "\r\nL'export de nos factures échoue depuis ce matin, voici "
            "le journal.\r\n\r\nCordialement\r\n",
            part("text/plain", b"x" * 1234, "journal.txt")])
        r = self.deliver(("From: Claire <claire@cust.example>\r\n"
                          "To: support@example.com\r\nSubject: Export "
                          "en erreur\r\nMessage-ID: <fr-files@cust.example>"
                          "\r\nMIME-Version: 1.0\r\n" + body).encode())
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        self.assertEqual(self.show(number)["language"], "fr")
        en, = self.sent("alice@example.com")
        fr, = self.sent("bruno@example.com")
        self.assertIn("[journal.txt, text/plain, 2 KB]", self.body(en))
        self.assertIn("[journal.txt, text/plain, 2 Ko]",
                      self.body(fr))
        n = self.notification("alice@example.com", number)
        s.smtp.clear()
        self.deliver(("From: Alice Martin <alice@example.com>\r\n"
                      "To: support@example.com\r\nSubject: Re: [%s] Export"
                      "\r\nMessage-ID: <fr-files-2@example.com>\r\n"
                      "In-Reply-To: %s\r\nReferences: %s\r\n"
                      "MIME-Version: 1.0\r\n" % (number, n, n) +
                      multipart("mixed", "MIX", [
                          "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                          "Le correctif.\r\n",
                          part("application/octet-stream", b"y" * 300000,
                               "patch.bin")])).encode())
        upd, = self.sent("claire@cust.example")
        self.assertIn("[non joint : patch.bin, 293 Ko, au-delà des 100 Ko "
                      "de fichiers qu'une réponse emporte]",
                      self.body(upd))

    def test_files_with_a_huge_text(self):
        # text and files together pass the 32 MB a message of ours may
        # weigh: the reply goes without the files, and says so
        self.configure(max_text_size="8MB", max_mail_size="60MB",
                       reply_attach_max="16MB")
        number = self.open_ticket()
        text = "\u00e9t\u00e9 " * (7 * 1024 * 1024 // 6)
        data = os.urandom(12 * 1024 * 1024)
        import base64
        body = multipart("mixed", "MIX", [
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" +
            base64.encodebytes(text.encode()).decode().replace(
                "\n", "\r\n"),
            part("application/octet-stream", data, "dump.bin")])
        self.servers.smtp.clear()
        self.agent_mail(number, body)
        upd, = self.sent("claire@cust.example")
        self.assertEqual(self.files(upd), [])
        plain = upd.get_body(("plain",)).get_content()
        self.assertIn("\u00e9t\u00e9 \u00e9t\u00e9", plain)
        self.assertIn("[files not attached (1): the message would pass its "
                      "size limit]", plain)
        kinds = [e["kind"] for e in self.show(number)["events"]]
        self.assertIn("attachment_not_sent", kinds)

    def test_customer_inline_image(self):
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)
        body = multipart("related", "REL", [
            "Content-Type: text/html; charset=utf-8\r\n\r\n"
            "<p>The error:</p><img src=\"cid:shot@cust.example\">"
            "<p>Thanks</p>",
            part("image/png", png, "screenshot.png", disp="inline",
                 cid="shot@cust.example")])
        raw = ("From: Claire Dupont <claire@cust.example>\r\n"
               "To: support@example.com\r\nSubject: Broken screen\r\n"
               "Message-ID: <img-1@cust.example>\r\nMIME-Version: 1.0\r\n"
               + body)
        r = self.deliver(raw.encode())
        number = re.search(r"new ticket (SUP-\d+-\d+)", r.stderr).group(1)
        n, = self.sent("alice@example.com")
        self.assertEqual([(f[0], sha(f[2])) for f in self.files(n)],
                         [("screenshot.png", sha(png))])
        self.assertIn("The error:\n\n[image: screenshot.png]",
                      n.get_body(("plain",)).get_content())
        t = self.show(number)
        self.assertIn("[image: screenshot.png]", json.dumps(t["messages"]))

    # -- item 2: HTML ----------------------------------------------------

    def test_ack_html_escaped(self):
        evil = ('<script>alert("x")</script> & "quoted" '
                '<img src=http://evil.example/t.png onerror=alert(1)>')
        number = self.open_ticket(
            subject=evil, body="Hello & <b>bye</b>\n%s\n"
            "<a href=\"javascript:alert(2)\">click</a>\n" % evil)
        ack, = self.sent("claire@cust.example")
        self.assertEqual(ack.get_content_type(), "multipart/alternative")
        plain = ack.get_body(("plain",)).get_content()
        self.assertIn(number, plain)
        doc = self.html_of(ack)
        p = self.assert_allowed(doc)
        text = "".join(p.text)
        # the subject is there as text, escaped, in the title and body
        self.assertIn('<script>alert("x")</script> & "quoted"', text)
        self.assertIn("<img src=http://evil.example/t.png", text)
        self.assertNotIn("script", [t for t, _ in p.tags])
        self.assertNotIn("img", [t for t, _ in p.tags])
        # no resource is loaded: the customer's address is at most a
        # link, as a mail client would make of the text part
        self.assertNotIn("src", json.dumps(p.tags))
        self.assertNotIn("javascript", json.dumps(p.tags))
        # the text part still says what it said
        self.assertIn("Nous avons bien reçu votre demande", plain)
        self.assertIn("Nous avons bien reçu votre demande", text)

    def test_agent_html_reply(self):
        number = self.open_ticket()
        html_body = (
            "<html><head><style>p{background:url(http://evil.example/)}"
            "</style><script>alert(1)</script></head><body>"
            "<div>#priority P2</div>"
            "<p>Hello <b>Claire</b> &amp; <i>team</i>,</p>"
            "<ul><li>first</li><li>second</li></ul>"
            "<p><a href=\"https://docs.example.com/fix\">the fix</a> "
            "<a href=\"javascript:alert(1)\">bad</a> "
            "<img src=\"http://evil.example/track.gif\" onerror=\"alert(1)\">"
            "<span onclick=\"alert(1)\">x</span></p>"
            "<form action=\"http://evil.example/\"><input name=pw></form>"
            "<iframe src=\"http://evil.example/\"></iframe>"
            "<div class=\"gmail_quote\">On Thu Claire wrote:<blockquote>"
            "The export gives an empty file.</blockquote></div>"
            "</body></html>")
        self.servers.smtp.clear()
        self.agent_mail(number, "Content-Type: text/html; charset=utf-8\r\n"
                        "\r\n" + html_body)
        self.assertEqual(self.show(number)["priority"], "P2")
        upd, = self.sent("claire@cust.example")
        p = self.assert_allowed(self.html_of(upd))
        tags = [t for t, _ in p.tags]
        for t in ("b", "i", "ul", "li"):
            self.assertIn(t, tags)
        self.assertIn(("a", {"href": "https://docs.example.com/fix"}),
                      p.tags)
        text = "".join(p.text)
        self.assertIn("Hello Claire & team,", text)
        for gone in ("#priority", "alert", "evil.example",
                     "The export gives an empty file"):
            self.assertNotIn(gone, text + json.dumps(p.tags))
        plain = upd.get_body(("plain",)).get_content()
        self.assertIn("Hello Claire & team,", plain)
        self.assertNotIn("#priority", plain)

    def test_agent_html_reply_not_latin(self):
        # formatting is kept whatever the script the agent writes in
        number = self.open_ticket()
        self.servers.smtp.clear()
        self.agent_mail(number, "Content-Type: text/html; charset=utf-8\r\n"
                        "\r\n<p>\u4fee\u6b63<b>\u6e08\u307f</b></p>")
        upd, = self.sent("claire@cust.example")
        p = self.assert_allowed(self.html_of(upd))
        self.assertIn(("b", {}), p.tags)
        self.assertIn("\u4fee\u6b63\u6e08\u307f", "".join(p.text))


if __name__ == "__main__":
    unittest.main(verbosity=2)
