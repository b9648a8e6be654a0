"""test_reading.py - real-world mail read right, end to end.

The fixtures of tests/fixtures/mail that the parser's unit tests read
(test_mime_real.c: broken sender names, stray lines and odd transfer
encodings, parts that must all be kept, raw 8-bit header fields in
legacy charsets, ISO-2022-JP and mislabelled charsets, text and HTML
alternatives that differ) go through intake for real: APPENDed to the
support mailbox (Dovecot), taken by `guichet serve --once`, stored in
PostgreSQL; `ticket show --json` must give the requester, subject, text
and attachment names and sizes a reader would expect, and the
acknowledgement must reach the sender's address.
"""

import json
import os
import unittest

import guichet_harness as gh

NOW = "2026-11-26T10:00:00Z"
NO_AGENT = {"agent alice": None}
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        os.pardir, "fixtures", "mail")


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


class Reading(gh.ServersTestCase):
    servers_options = dict(http=False)

    def setUp(self):
        s = self.servers
        self.db = "rd_" + self._testMethodName[5:][:40].lower()
        self.user = ("r" + self._testMethodName[5:])[:30].lower()
        s.write_config(dbname=self.db, mailbox_user=self.user,
                       sections=NO_AGENT)
        s.guichet("migrate")
        s.smtp.clear()

    def intake(self, *names):
        """APPEND the fixtures, run one pass; the tickets by the
        Message-ID of their first mail."""
        s = self.servers
        for n in names:
            s.imap.append(self.user, "INBOX", fixture(n))
        s.guichet("serve", "--once", now=NOW)
        self.assertEqual(s.imap.messages(self.user, "INBOX"), [])
        got = {}
        for t in json.loads(s.guichet("ticket", "list",
                                      "--json").stdout):
            full = json.loads(s.guichet("ticket", "show", t["number"],
                                        "--json").stdout)
            first = [m for m in full["messages"] if m["direction"] == "in"]
            got[first[0]["message_id"]] = (full, first[0])
        self.assertEqual(len(got), len(names))
        return got

    def attachments(self, msg):
        return [(a["filename"], a["size"]) for a in msg["attachments"]]

    def test_addresses(self):
        got = self.intake("addr-glued-word.eml", "addr-unclosed-word.eml",
                          "addr-8bit-name.eml", "addr-unclosed-quote.eml")
        want = {
            "addr-glued-word@example.cn": ("zhang.san@example.cn",
                                           "订单问题"),
            "addr-unclosed-word@example.de": (
                "juergen.buerling@example.de", "Rechnung fehlt"),
            "addr-8bit-name@example.de": ("j.mueller@example.de",
                                          "Zugang gesperrt"),
            "addr-unclosed-quote@example.fr": ("claire.dupont@example.fr",
                                               "Export vide"),
        }
        for mid, (addr, subject) in want.items():
            with self.subTest(mid):
                t, m = got[mid]
                self.assertEqual(t["requester"], addr)
                self.assertEqual(t["subject"], subject)
        self.assertIn("您好，我的订单没有到。",
                      got["addr-glued-word@example.cn"][1]["text"])
        # every sender got its acknowledgement, at its own address
        acks = self.servers.smtp.wait_for(4)
        self.assertEqual(sorted(a["X-RcptTo"] for a in acks), sorted(
            addr for addr, _ in want.values()))

    def test_structure(self):
        got = self.intake("struct-stray-lines.eml", "struct-cte-odd.eml")
        t, m = got["struct-stray@example.fr"]
        self.assertEqual(t["requester"], "claire@example.fr")
        self.assertEqual(t["subject"],
                         "Export impossible depuis la mise à jour")
        self.assertIn("L'export échoue depuis la mise à jour.", m["text"])
        t, m = got["struct-cte@example.fr"]
        self.assertEqual(t["subject"], "Facture illisible")
        self.assertIn("la facture jointe est illisible.", m["text"])
        self.assertIn("Total : 120 €, payé le 2 novembre", m["text"])
        self.assertNotIn("SGVsbG8", m["text"])
        self.assertEqual(self.attachments(m), [("facture.pdf", 272)])

    def test_every_part(self):
        got = self.intake("part-every-part.eml", "part-signed.eml")
        t, m = got["part-every@example.fr"]
        self.assertEqual(m["text"].strip(), "Voici les pièces.")
        self.assertEqual(self.attachments(m), [
            ("part-4.html", 52), ("rapport.pdf", 14),
            ("rapport (2).pdf", 19), ("video.mov", 17), ("part-8.bin", 40),
            ("Devis n°2.pdf", 10), ("Facture été.pdf", 12)])
        t, m = got["part-signed@example.fr"]
        self.assertEqual(self.attachments(m), [("signature.asc", 92)])

    def test_raw_8bit_headers(self):
        got = self.intake("hdr8-gbk.eml", "hdr8-sjis.eml",
                          "hdr8-euckr.eml", "hdr8-koi8r.eml",
                          "hdr8-cp1252.eml")
        want = {
            "hdr8-gbk.eml@example.net": ("订单没有收到，请尽快处理",
                                         "我的订单已经两周了还没有收到。",
                                         "发票.pdf"),
            "hdr8-sjis.eml@example.net": ("ログインできません",
                                          "昨日からログインできません。",
                                          "画面.png"),
            "hdr8-euckr.eml@example.net": ("결제 확인 부탁드립니다",
                                           "결제 확인 부탁드립니다.",
                                           "영수증.pdf"),
            "hdr8-koi8r.eml@example.net": ("Заказ не пришёл",
                                           "мой заказ не пришёл.",
                                           "счёт.pdf"),
            "hdr8-cp1252.eml@example.net": ("Rechnung für März – falsch",
                                            "Die Rechnung für März",
                                            "Rechnung März.pdf"),
        }
        for mid, (subject, text, name) in want.items():
            with self.subTest(mid):
                t, m = got[mid]
                self.assertEqual(t["requester"],
                                 mid.split(".eml@")[0] + "@example.net")
                self.assertEqual(t["subject"], subject)
                self.assertIn(text, m["text"])
                self.assertEqual(self.attachments(m), [(name, 4)])

    def test_charsets(self):
        got = self.intake("cs-iso2022jp-undeclared.eml", "cs-mislabels.eml")
        t, m = got["cs-2022-undeclared@example.jp"]
        self.assertEqual(t["subject"], "ログイン")
        self.assertIn("お世話になっております。ログインできません。", m["text"])
        t, m = got["cs-labels@example.jp"]
        for part in ("镕基与喆", "똠방각하", "שלום", "①番", "～ご確認ください",
                     "5 € net", "œuvre", "Счёт"):
            self.assertIn(part, m["text"])

    def test_text_or_html(self):
        got = self.intake("alt-stub.eml", "alt-forward.eml", "alt-same.eml")
        m = got["alt-stub@example.fr"][1]
        self.assertIn("l'export CSV des factures donne un fichier vide",
                      m["text"])
        self.assertNotIn("HTML mail reader", m["text"])
        m = got["alt-forward@example.fr"][1]
        self.assertIn("il manque deux cartons sur cinq", m["text"])
        m = got["alt-same@example.fr"][1]
        self.assertIn("Le bouton Exporter ne fait rien depuis ce matin.",
                      m["text"])
        self.assertEqual(m["attachments"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
