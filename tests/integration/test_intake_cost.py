"""test_intake_cost.py - what migration 021 and the folded first slot
change in the cost of a new mail keeps every result of before.

Through real IMAP, SMTP and PostgreSQL:
- search_fold() returns what the translate() of migration 014 returned
  for plain ASCII (now returned as it is) and for texts whose accents are
  among the 62 both folds share, so that old search vectors and new
  queries still meet; any other text folds as unaccent does (migration
  024, which computes the vectors of such mails again); a mail without
  accents and one with them are both found;
- the acknowledgement of a new ticket takes the ticket's first slot under
  ticket_send_cap in its own statement: it counts against the cap, an
  acknowledgement the auto_reply_cap kept takes no slot (the agent's
  answer then leaves at once), and ticket_send_cap = 0 logs nothing;
- queued mails and raw mails too big to stay plain are stored compressed
  (lz4) and read back whole; tickets_created, read by no statement, is
  gone;
- a customer's follow-up that changes no SLA timer writes no timer row,
  an agent's answer writes those it changes, and a timer row forged to
  look unchanged is put right;
- on a young database, the rows a new ticket reads (taken, and its two
  mails sent) do not grow with the tickets already stored nor with the
  mails that come at once.
"""

import json

import test_amplification as amp
from test_amplification import T0, at, mail

# The fold of migration 014, to compare with, and the accents it shares
# with unaccent (all but the ligatures œ and æ).
FOLD_014 = ("translate(%s, 'àâäáãåÀÂÄÁÃÅçÇéèêëÉÈÊËíìîïÍÌÎÏñÑóòôöõÓÒÔÖÕ"
            "úùûüÚÙÛÜýÿÝŸœŒæÆ', 'aaaaaaAAAAAAcCeeeeEEEEiiiiIIIInNoooooOOOOOuuuu"
            "UUUUyyYYoOaA')")
SHARED = set("àâäáãåÀÂÄÁÃÅçÇéèêëÉÈÊËíìîïÍÌÎÏñÑóòôöõÓÒÔÖÕúùûüÚÙÛÜýÿÝŸ")
UNACCENT = "public.unaccent('public.unaccent'::regdictionary, %s)"


class IntakeCost(amp.AmpCase):
    db_prefix, user_prefix = "cost_", "c"

    def agent_reply(self, number, body, now):
        self.n += 1
        n = self.sql("SELECT o.message_id FROM outbox o JOIN tickets t ON "
                     "t.id = o.ticket_id WHERE o.purpose = 'notify_agent' "
                     "AND t.number = '%s' ORDER BY o.id LIMIT 1" % number)
        return self.deliver(mail("Re: [%s] Export" % number, body,
                                 "agent-%d@example.com" % self.n,
                                 sender="Alice Martin <alice@example.com>",
                                 in_reply_to=n), now=now)

    def to(self, who):
        return [m for m in self.servers.smtp.messages()
                if who in m["X-RcptTo"]]

    def reads(self):
        """Rows read from every table of ours since the last reset,
        through an index or not."""
        return int(self.sql(
            "SELECT (SELECT coalesce(sum(seq_tup_read), 0) FROM "
            "pg_stat_user_tables) + (SELECT coalesce(sum(idx_tup_read), 0) "
            "FROM pg_stat_user_indexes)"))

    def pass_of(self, first, n, now, kind="new"):
        """n new tickets (kind "new"), their customers' replies to the
        acknowledgements ("followup") or alice's answers to her
        notifications ("agent") put in INBOX, taken and answered in one
        pass: the rows the pass read per mail."""
        parent = dict(self.servers.pg.psql(
            "SELECT t.subject, o.message_id FROM outbox o JOIN tickets t "
            "ON t.id = o.ticket_id WHERE o.purpose = '%s'" %
            ("notify_agent" if kind == "agent" else "ack"), db=self.db))
        c = self.servers.imap.client(self.user)
        for i in range(first, first + n):
            subject = "Export %d" % i
            sender = ("Alice Martin <alice@example.com>" if kind == "agent"
                      else "C%d <c%d@cust.example>" % (i, i))
            c.append("INBOX", None, None, mail(
                ("Re: " if kind != "new" else "") + subject,
                "The export %d: %s.\n" % (i, kind),
                "flat-%d-%s@cust.example" % (i, kind), sender=sender,
                in_reply_to=parent[subject] if kind != "new" else None))
        c.logout()
        self.sql("SELECT pg_stat_reset()")
        err = self.servers.guichet("serve", "--once", now=now).stderr
        self.assertEqual(err.count("new ticket" if kind == "new" else
                                   "follow-up"), n, err[-2000:])
        return self.reads() / n

    def test_reads_per_mail_do_not_grow_with_the_database(self):
        """On a young database (no statistics yet, as every installation
        starts), a new ticket taken and its two mails sent (then a
        follow-up, then an agent's answer relayed) reads about as many
        rows whether the database holds 20 tickets or 115, and whether
        20 or 95 come at once: no statement on the way reads a table, an
        index range or a batch whole for each mail (the outbox's take
        did, and so did finding when the next mail was due, until
        migration 031)."""
        self.configure()
        # (a pass sends at most 200 mails: OUTBOX_BATCH)
        first = self.pass_of(0, 20, T0)
        big = self.pass_of(20, 95, at(1))
        self.assertEqual(len(self.servers.smtp.messages()), 2 * 115)
        self.assertLess(big, 1.5 * first + 5, (first, big))
        # the customers' follow-ups and the agent's answers, the same way
        for k, kind in enumerate(("followup", "agent")):
            first = self.pass_of(0, 20, at(2 + 2 * k), kind)
            big = self.pass_of(20, 95, at(3 + 2 * k), kind)
            self.assertLess(big, 1.5 * first + 5, (kind, first, big))

    def test_fold_is_the_fold_of_before(self):
        self.configure()
        texts = ["", "plain ascii only", "Facture impayée", "ÉLÉPHANT œuvre",
                 "ascii then é at the end", "é" + "x" * 5000,
                 "x" * 100000 + "ç", "x" * 100000, "emoji 🙂 and à",
                 "ß ø ł stay", "tab\tand\nnewline", "\x7f del",
                 "àâäáãåÀÂÄÁÃÅçÇéèêëÉÈÊËíìîïÍÌÎÏñÑóòôöõÓÒÔÖÕúùûüÚÙÛÜýÿÝŸœŒæÆ",
                 "Ÿ" * 3000 + "x", "日本語のテキスト é", "e\u0301 decomposed",
                 "".join(chr(c) for c in range(0x80, 0x800))]
        for t in texts:
            lit = "'" + t.replace("'", "''") + "'"
            before = all(ord(c) < 128 or c in SHARED for c in t)
            same = self.sql("SELECT search_fold(%s) IS NOT DISTINCT FROM %s"
                            % (lit, (FOLD_014 if before else UNACCENT) %
                               lit))
            self.assertEqual(same, "t", t[:40])
        self.assertIsNone(self.sql("SELECT search_fold(NULL)"))
        # an index no statement reads is no longer written by each ticket
        self.assertEqual(self.sql("SELECT count(*) FROM pg_indexes WHERE "
                                  "indexname = 'tickets_created'"), "0")
        # both kinds of mail are found, accents or not, both ways
        a = self.new_ticket(mail("Export", "The export fails with error "
                                 "500.\n", "a@cust.example"))
        b = self.new_ticket(mail("Facture", "La facture reçue est "
                                 "erronée.\n", "b@cust.example"))
        for query, number in (("export", a), ("erronee", b),
                              ("recue", b), ("erronée", b)):
            r = self.servers.guichet("ticket", "search", query, "--json")
            found = {h["number"] for h in json.loads(r.stdout)}
            self.assertIn(number, found, query)

    def test_search_vector_follows_its_columns(self):
        # set by the trigger now: the same expression as the generated
        # column of migration 014, on insert and when a column changes
        self.configure()
        number = self.new_ticket(mail("Facture erronée", "Le montant "
                                      "reçu est faux.\n", "v0@cust.example"))
        # (with its word pairs since migration 025)
        same = ("SELECT count(*) FILTER (WHERE search_tsv IS DISTINCT FROM "
                "CASE WHEN author <> 'system' THEN v || search_pairs(v) "
                "END), count(*) FROM (SELECT m.*, to_tsvector("
                "search_config, search_fold(search_document(subject, "
                "from_addr, to_addrs, cc_addrs, text))) AS v FROM messages "
                "m) AS m")
        self.assertEqual(self.servers.pg.psql(same, db=self.db)[0][0], "0")
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "search_tsv IS NULL"), "1")   # the ack
        # one trigger sets the vector and its pairs (migration 028): each
        # row trigger unpacks the whole row and packs it again
        self.assertEqual(self.sql("SELECT string_agg(tgname, ',') FROM "
                                  "pg_trigger WHERE tgrelid = "
                                  "'messages'::regclass AND NOT "
                                  "tgisinternal"), "messages_search_config")
        # what an anonymiser or an operator does to a stored mail
        self.sql("UPDATE messages SET text = 'Zéphyr quinquagénaire', "
                 "from_addr = 'x@anon.example' WHERE direction = 'in'")
        self.sql("UPDATE messages SET outbox_id = outbox_id")
        self.assertEqual(self.servers.pg.psql(same, db=self.db)[0][0], "0")
        r = self.servers.guichet("ticket", "search", "zephyr", "--json")
        self.assertEqual([h["number"] for h in json.loads(r.stdout)],
                         [number])
        r = self.servers.guichet("ticket", "search", "montant", "--json")
        self.assertEqual(json.loads(r.stdout), [])
        # a generated column refused a value; one written by hand now is
        # replaced by the vector of the row's columns
        self.sql("UPDATE messages SET search_tsv = 'forged' WHERE "
                 "direction = 'in'")
        self.assertEqual(self.servers.pg.psql(same, db=self.db)[0][0], "0")
        self.assertEqual(self.sql("SELECT count(*) FROM messages WHERE "
                                  "search_tsv @@ 'forged'"), "0")

    def test_ack_takes_the_first_slot(self):
        self.configure(ticket_send_cap="2")
        number = self.new_ticket(mail("Export", "Empty file.\n",
                                      "one@cust.example"))
        self.assertEqual(self.sql("SELECT count(*) FROM ticket_send_log"),
                         "1")
        self.assertEqual(self.sql("SELECT count(*) FROM ticket_send_log l "
                                  "JOIN outbox o ON o.ticket_id = "
                                  "l.ticket_id AND o.created_at = l.at "
                                  "WHERE o.purpose = 'ack'"), "1")
        # the acknowledgement and one answer fill the hour: the second
        # answer waits
        self.agent_reply(number, "Answer 1.\n", now=at(1))
        self.agent_reply(number, "Answer 2.\n", now=at(2))
        self.assertEqual(len(self.to("claire@cust.example")), 2)
        held = [e["data"] for e in self.show(number)["events"]
                if e["kind"] == "mail_held"]
        self.assertEqual([d["until"] for d in held], [at(60)])

    def test_ack_kept_by_the_loop_breaker_takes_no_slot(self):
        # a sender that opens tickets in a loop gets one acknowledgement
        # an hour; a ticket whose acknowledgement was kept has its whole
        # hourly cap for the agent's answer
        self.configure(ticket_send_cap="1", auto_reply_cap="1")
        self.new_ticket(mail("Loop 1", "x\n", "l1@cust.example"))
        second = self.new_ticket(mail("Loop 2", "y\n", "l2@cust.example"))
        self.assertEqual(len(self.to("claire@cust.example")), 1)
        kinds = [e["kind"] for e in self.show(second)["events"]]
        self.assertIn("auto_reply_capped", kinds)
        self.assertEqual(self.sql(
            "SELECT count(*) FROM ticket_send_log l JOIN tickets t ON "
            "t.id = l.ticket_id WHERE t.number = '%s'" % second), "0")
        self.agent_reply(second, "Here is the answer.\n", now=at(1))
        got = self.to("claire@cust.example")
        self.assertEqual(len(got), 2)
        self.assertIn("Here is the answer.",
                      got[-1].get_body(("plain",)).get_content())
        self.assertNotIn("mail_held",
                         [e["kind"] for e in self.show(second)["events"]])

    def test_no_cap_logs_nothing(self):
        self.configure(ticket_send_cap="0")
        number = self.new_ticket(mail("Export", "x\n", "z@cust.example"))
        for i in range(1, 4):
            self.agent_reply(number, "Answer %d.\n" % i, now=at(i))
        self.assertEqual(len(self.to("claire@cust.example")), 4)
        self.assertEqual(self.sql("SELECT count(*) FROM ticket_send_log"),
                         "0")

    def timers(self):
        return self.servers.pg.psql(
            "SELECT kind, xmin::text, coalesce(met_at::text, ''), "
            "coalesce(next_at::text, '') FROM sla_timers ORDER BY kind",
            db=self.db)

    def test_followup_that_changes_no_timer_writes_none(self):
        self.configure()
        number = self.new_ticket(mail("Export", "Empty file.\n",
                                      "f0@cust.example"))
        before = self.timers()
        self.assertTrue(before)
        ack = self.sql("SELECT message_id FROM outbox WHERE purpose = 'ack'")
        # the customer adds a detail: the clock of a new ticket runs on,
        # the rows are not written again (same xmin)
        self.deliver(mail("Re: [%s] Export" % number, "The file is "
                          "empty since Monday.\n", "f1@cust.example",
                          in_reply_to=ack), now=at(5))
        self.assertEqual(self.timers(), before)
        self.assertIn("message_received",
                      [e["kind"] for e in self.show(number)["events"]])
        # the agent's answer meets the first response: written then
        self.agent_reply(number, "We are on it.\n", now=at(10))
        after = {k: (x, met) for k, x, met, _ in self.timers()}
        was = {k: (x, met) for k, x, met, _ in before}
        self.assertEqual(set(after), set(was))
        changed = [k for k in after if after[k] != was[k]]
        self.assertTrue(changed)
        self.assertTrue(any(after[k][1] for k in changed))

    def test_a_forged_timer_row_is_written_again(self):
        # a row edited by hand to look unchanged to a careless reader (a
        # calendar with a comma and numbers) is put right by the refresh
        self.configure()
        number = self.new_ticket(mail("Export", "x\n", "g0@cust.example"))
        kind, cal = self.servers.pg.psql(
            "SELECT kind, calendar FROM sla_timers ORDER BY kind LIMIT 1",
            db=self.db)[0]
        self.sql("UPDATE sla_timers SET calendar = '%s,%s 0 0 0 0 %s' "
                 "WHERE kind = '%s'" % (cal, kind, cal, kind))
        ack = self.sql("SELECT message_id FROM outbox WHERE purpose = 'ack'")
        self.deliver(mail("Re: [%s] Export" % number, "More.\n",
                          "g1@cust.example", in_reply_to=ack), now=at(5))
        self.assertEqual(self.sql("SELECT calendar FROM sla_timers WHERE "
                                  "kind = '%s'" % kind), cal)

    def test_big_mails_stored_compressed_and_whole(self):
        self.configure()
        body = "".join("Line %d of the log: export failed, retrying.\n" % i
                       for i in range(400))
        number = self.new_ticket(mail("Big log", body, "big@cust.example"))
        self.assertEqual(self.sql(
            "SELECT count(*) FROM outbox WHERE pg_column_compression(data) "
            "= 'lz4'"), "2")
        self.assertEqual(self.sql(
            "SELECT pg_column_compression(raw) FROM messages WHERE "
            "direction = 'in'"), "lz4")
        t = self.show(number)
        self.assertIn("Line 399 of the log", t["messages"][0]["text"])
        self.servers.guichet("serve", "--once", now=at(1))
        ack, = self.to("claire@cust.example")
        self.assertIn("Big log", ack["Subject"])
        notes = self.to("alice@example.com")
        self.assertEqual(len(notes), 1)
        self.assertIn("Line 399 of the log",
                      notes[0].get_body(("plain",)).get_content())


if __name__ == "__main__":
    import unittest
    unittest.main()
