"""smtp_sink.py - the aiosmtpd handler of the test SMTP sink.

A Maildir store (aiosmtpd's Mailbox handler) that can also answer RCPT
with an error for chosen recipients, so that tests can see what Guichet
does when one recipient of a mail is refused (5xx) or fails for a while
(4xx).  The rules are read from the file `rcpt_rules` in the sink's
directory at every RCPT, so that a test changes them while the sink
runs.  One rule a line, `PATTERN CODE TEXT`: PATTERN is an fnmatch
pattern matched against the lower-cased address, CODE a three-digit SMTP
reply code; the first matching rule answers.  Each refused RCPT is
appended to `rcpt_refused.log` as `CODE ADDRESS`.

A message whose MAIL FROM carried SMTPUTF8 (RFC 6531; offered when
aiosmtpd runs with --smtputf8) is stored with `X-SmtpUtf8: yes`.

Run as: python3 -m aiosmtpd -c smtp_sink.Sink MAILDIR RULES_FILE
"""

import fnmatch
import os

from aiosmtpd.handlers import Mailbox


class Sink(Mailbox):
    def __init__(self, mail_dir, rules_file):
        super().__init__(mail_dir)
        self.rules_file = rules_file
        self.refused_log = os.path.join(os.path.dirname(rules_file),
                                        "rcpt_refused.log")

    def _rules(self):
        try:
            with open(self.rules_file, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return []
        rules = []
        for line in lines:
            parts = line.split(None, 2)
            if len(parts) >= 2 and not line.startswith("#"):
                rules.append((parts[0].lower(), parts[1],
                              parts[2] if len(parts) > 2 else "refused"))
        return rules

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        for pattern, code, text in self._rules():
            if fnmatch.fnmatchcase(address.lower(), pattern):
                with open(self.refused_log, "a", encoding="utf-8") as f:
                    f.write("%s %s\n" % (code, address))
                return "%s %s" % (code, text)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    def prepare_message(self, session, envelope):
        message = super().prepare_message(session, envelope)
        if envelope.smtp_utf8:
            message["X-SmtpUtf8"] = "yes"
        return message

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 2:
            parser.error("usage: smtp_sink.Sink MAILDIR RULES_FILE")
        return cls(args[0], args[1])
