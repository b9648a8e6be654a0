#!/bin/sh
# demo-status.sh - the status page of the demo, from its sample tickets.
#
# Called by scripts/demo.sh once the daemon runs and the sample tickets
# are in: Alice, the demo's agent, answers the notification of the P1
# outage ticket with "#incident [api] ..." and then "#incident-update ...
# #eta ...", as an agent does from a mail client (the replies go into the
# support mailbox; the daemon, in IDLE, applies them); ops announce a
# maintenance and subscribe an address. Then the page is shot in headless
# Chromium to state/demo/status.png, and with --doc to doc/status.png too
# (the picture of the README).
#
# Usage: scripts/demo-status.sh STATE_DIR [--doc]

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=$1
DOC=${2:-}
PY=/usr/bin/python3
CONF="$STATE/guichet.conf"
GUICHET="$ROOT/build/guichet -c $CONF"
PAGE="$STATE/status"

# shellcheck disable=SC1091
. "$STATE/servers.env"

# reply NUMBER BODY: Alice's answer to her notification about NUMBER
reply() {
	"$PY" - "$GUICHET_IMAPS_PORT" "$GUICHET_CA_FILE" "$STATE/support.pass" \
	    "$GUICHET_SMTP_MAILDIR" "$1" "$2" <<-'PYEOF'
	import email, email.policy, imaplib, mailbox, ssl, sys, time
	port, ca, pwfile, sink, number, body = sys.argv[1:]
	note = None
	for _, msg in sorted(mailbox.Maildir(sink, factory=None).items()):
	    m = email.message_from_bytes(bytes(msg), policy=email.policy.default)
	    if "alice@example.com" in (m["X-RcptTo"] or "") and \
	            number in (m["Subject"] or ""):
	        note = m["Message-ID"]
	if note is None:
	    sys.exit("demo: no notification to alice about %s" % number)
	raw = ("From: Alice Martin <alice@example.com>\r\n"
	       "To: support@example.com\r\nSubject: Re: [%s] Production\r\n"
	       "Message-ID: <demo-%d@example.com>\r\nIn-Reply-To: %s\r\n"
	       "References: %s\r\nMIME-Version: 1.0\r\n"
	       "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
	       % (number, time.time_ns(), note, note,
	          body.replace("\n", "\r\n"))).encode()
	ctx = ssl.create_default_context(cafile=ca)
	c = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
	c.login("support", open(pwfile).read().strip())
	c.append("INBOX", None, None, raw)
	c.logout()
	PYEOF
}

# wait_page TEXT: until index.html says it
wait_page() {
	i=0
	until grep -qF "$1" "$PAGE/index.html" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 150 ]; then
			echo "demo: the status page does not show \"$1\"" >&2
			exit 1
		fi
		sleep 0.2
	done
}

p1=$($GUICHET ticket list --priority P1 --json | "$PY" -c \
    'import json,sys; print(json.load(sys.stdin)[0]["number"])')
eta=$(date -u -d "+2 hours" +%Y-%m-%dT%H:00:00Z)
echo "demo: alice opens an incident from $p1"
reply "$p1" "#incident [api] API answers 502 errors

We are looking at it."
wait_page "API answers 502 errors"
reply "$p1" "#incident-update The faulty node is out of the pool; errors are falling
#eta $eta

The fix is going out."
wait_page "errors are falling"
$GUICHET status subscribe ops@acme.example
$GUICHET status maintenance add \
    --start "$(date -u -d "+2 days" +%Y-%m-%dT22:00:00Z)" \
    --end "$(date -u -d "+2 days" +%Y-%m-%dT23:30:00Z)" \
    --title "Mail relay upgrade" --components mail
echo
echo "== the status page: $PAGE/index.html, feed.atom, status.json"
"$PY" - "$PAGE/index.html" "$STATE/status.png" "$ROOT/tests/harness" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[3])
from browser import screenshot, png_is_blank
fetches = screenshot(sys.argv[1], sys.argv[2])
assert fetches == [], fetches
assert not png_is_blank(sys.argv[2])
print("demo: screenshot", sys.argv[2])
PYEOF
if [ "$DOC" = "--doc" ]; then
	cp "$STATE/status.png" "$ROOT/doc/status.png"
	echo "demo: copied to doc/status.png"
fi
