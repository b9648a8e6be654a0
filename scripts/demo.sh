#!/bin/sh
# demo.sh - Guichet on a local embedded setup, with sample mail flowing.
#
# Installs what is missing (apt-get), builds, starts a private PostgreSQL
# cluster, a Dovecot IMAP server and an SMTP sink under state/demo/ (data
# kept between runs), writes state/demo/guichet.conf for them, migrates
# the database, drops the sample customer mails of scripts/demo-mail/ into
# the support mailbox, runs `guichet serve`, and shows the tickets created
# and the acknowledgements sent. The daemon then keeps running, in IDLE on
# the mailbox: mail you add (scripts/demo.sh --add FILE.eml from another
# terminal) is acknowledged within a second. Ctrl-C stops the daemon and
# the servers.
#
# Before it waits, it shows the month's report of acme, in text and as
# its HTML page with a screenshot taken in headless Chromium
# (state/demo/report.png; doc/report.png is one).
#
# Options:
#   --add FILE...   append mails to the running demo's mailbox and exit
#   --for SECONDS   stop by itself after that long (default: run until
#                   Ctrl-C)
#   --down          stop the servers of a previous run and exit
#   --status-doc    also copy the status page's screenshot (made by
#                   scripts/demo-status.sh) to doc/status.png
#
# GUICHET_DEMO_STATE: another directory than state/demo/ (the test
# suite's run of the demo, scripts/test.d/demo.sh, uses its own).

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE="${GUICHET_DEMO_STATE:-$ROOT/state/demo}"
BUILD="$ROOT/build"
PY=/usr/bin/python3
HARNESS="$ROOT/tests/harness/guichet_harness.py"
CONF="$STATE/guichet.conf"
GUICHET="$BUILD/guichet -c $CONF"

# append [--fresh] FILE...: --fresh gives each mail a Message-ID of this
# run, so that the samples make new tickets again on the next run (the
# same mail twice is one ticket: Guichet's dedup).
append() {
	# shellcheck disable=SC1091
	. "$STATE/servers.env"
	"$PY" - "$GUICHET_IMAPS_PORT" "$GUICHET_CA_FILE" \
	    "$STATE/support.pass" "$@" <<-'PYEOF'
	import imaplib, re, ssl, sys, time
	port, ca, pwfile, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
	fresh = files[:1] == ["--fresh"]
	files = files[1:] if fresh else files
	ctx = ssl.create_default_context(cafile=ca)
	m = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
	m.login("support", open(pwfile).read().strip())
	for f in files:
	    with open(f, "rb") as fh:
	        raw = fh.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
	    if fresh:
	        raw = re.sub(rb"(?im)^(Message-ID: <)", rb"\g<1>%d." % time.time_ns(),
	                     raw, count=1)
	    m.append("INBOX", None, None, raw)
	    print("demo: appended", f)
	m.logout()
	PYEOF
}

duration=""
case "${1:-}" in
--add)
	shift
	append "$@"
	exit 0
	;;
--down)
	"$PY" "$HARNESS" down --state "$STATE"
	exit 0
	;;
--for)
	duration=$2
	;;
esac
# --status-doc: the status page's screenshot goes to doc/status.png too
status_doc=""
case " $* " in *" --status-doc "*) status_doc=--doc ;; esac

echo "demo: installing what is missing"
sh "$ROOT/scripts/deps.sh"
echo "demo: building"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j 2 --target guichet >/dev/null

echo "demo: starting PostgreSQL, Dovecot and the SMTP sink under $STATE"
mkdir -p "$STATE"
"$PY" "$HARNESS" up --state "$STATE"
# shellcheck disable=SC1091
. "$STATE/servers.env"
if [ ! -s "$STATE/support.pass" ]; then
	pwpath=$("$PY" "$HARNESS" add-user --state "$STATE" support)
	# guichet refuses a password file that group or others may read
	(umask 077 && cp "$pwpath" "$STATE/support.pass")
	chmod 600 "$STATE/support.pass"
fi

# the MTA's way in: LMTP to the running daemon, on a free loopback port
lmtp_port=$("$PY" -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cat >"$CONF" <<EOC
# Written by scripts/demo.sh for the servers under state/demo/.
[guichet]
poll_interval = 30s
outbox_retry_base = 5s

[database]
conninfo = $GUICHET_PG_CONNINFO

[smtp]
url = $GUICHET_SMTP_URL
from = Support Guichet <support@example.com>
tls_ca_file = $GUICHET_CA_FILE

[mailbox support]
url = $GUICHET_IMAPS_URL
user = support
password_file = support.pass
address = support@example.com
queue = support
tls_ca_file = $GUICHET_CA_FILE

[agent alice]
address = alice@example.com
name = Alice Martin
queues = support

[organisation acme]
domains = acme.example
plan = Enterprise
report_to = cto@acme.example

[lmtp]
listen = 127.0.0.1:$lmtp_port

[status]
dir = status
title = Example status
base_url = http://localhost/status
components = api, web, mail
EOC
mkdir -p "$STATE/status"

$GUICHET check-config
$GUICHET migrate
before=$($GUICHET ticket list --json | "$PY" -c \
    'import json,sys; print(len(json.load(sys.stdin)))')

echo "demo: starting the daemon"
$GUICHET serve 2>"$STATE/guichet.log" &
daemon=$!
stop() {
	trap - INT TERM EXIT
	kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
	"$PY" "$HARNESS" down --state "$STATE" >/dev/null 2>&1 || true
	echo "demo: stopped (data kept in $STATE; rm -rf it to start afresh)"
}
trap stop INT TERM EXIT
# give_up WHY: say why, show the daemon's log, and stop
give_up() {
	echo "demo: $1; the daemon's log:" >&2
	cat "$STATE/guichet.log" >&2
	exit 1
}

append --fresh "$ROOT"/scripts/demo-mail/*.eml
want=$((before + $(ls "$ROOT"/scripts/demo-mail/*.eml | wc -l) + 1))
# and one mail as an MTA hands it over (Postfix: mailbox_transport =
# lmtp:...): stored in the daemon's session, 250 once committed
i=0
until "$PY" - "$lmtp_port" <<'PYEOF'
import smtplib, sys, time
mail = ("From: Jonas Weber <jonas@globex.example>\r\nTo: support@example.com"
        "\r\nSubject: Password reset link expired\r\nMessage-ID: "
        "<demo-lmtp-%d@globex.example>\r\n\r\nHello,\r\n\r\nThe password "
        "reset link I received this morning says it has expired.\r\n\r\n"
        "Jonas\r\n" % int(time.time())).encode()
try:
    lm = smtplib.LMTP("127.0.0.1", int(sys.argv[1]))
except OSError:
    sys.exit(1)
lm.sendmail("jonas@globex.example", ["support@example.com"], mail)
lm.quit()
print("demo: a mail delivered over LMTP")
PYEOF
do
	i=$((i + 1))
	[ $i -le 50 ] || give_up "no LMTP listener"
	sleep 0.2
done
i=0
while [ "$($GUICHET ticket list --json | "$PY" -c \
    'import json,sys; print(len(json.load(sys.stdin)))')" -lt "$want" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || give_up "the tickets did not appear"
	sleep 0.2
done
sleep 1

echo
echo "== the daemon's log"
cat "$STATE/guichet.log"
echo
echo "== guichet ticket list"
$GUICHET ticket list
echo
first=$($GUICHET ticket list --json | "$PY" -c \
    'import json,sys; print(json.load(sys.stdin)[2]["number"])')
echo "== guichet ticket show $first"
$GUICHET ticket show "$first"
echo
echo "== acknowledgements received by the SMTP sink ($GUICHET_SMTP_MAILDIR)"
"$PY" - "$GUICHET_SMTP_MAILDIR" <<'PYEOF'
import email, email.policy, mailbox, sys
for key, msg in sorted(mailbox.Maildir(sys.argv[1], factory=None).items()):
    m = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    print("To: %-34s Subject: %s" % (m["To"], m["Subject"]))
    print("    Message-ID: %s  In-Reply-To: %s  Auto-Submitted: %s"
          % (m["Message-ID"], m["In-Reply-To"], m["Auto-Submitted"]))
PYEOF
echo
sh "$ROOT/scripts/demo-status.sh" "$STATE" $status_doc
# The month's report of acme as it will read two days from now (its
# sample ticket unanswered by then), and a picture of its page taken in
# headless Chromium: doc/report.png is one.
month=$(date -u +%Y-%m)
later=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
echo "== guichet --now $later report monthly --org acme --month $month"
$GUICHET --now "$later" report monthly --org acme --month "$month"
$GUICHET --now "$later" report monthly --org acme --month "$month" \
    --format html --output "$STATE/report.html"
"$PY" - "$ROOT/tests/harness" "$STATE/report.html" "$STATE/report.png" \
    <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from browser import png_is_blank, screenshot
fetches = screenshot(sys.argv[2], sys.argv[3])
if fetches or png_is_blank(sys.argv[3]):
    sys.exit("demo: the report's page fetched %r or shows nothing" % fetches)
PYEOF
echo "demo: the report's page: $STATE/report.html, its picture:" \
    "$STATE/report.png"
echo
echo "demo: the daemon keeps running (log: $STATE/guichet.log)."
echo "demo: add mail with: scripts/demo.sh --add FILE.eml; Ctrl-C stops."
if [ -n "$duration" ]; then
	sleep "$duration"
	exit 0
fi
tail -n 0 -f "$STATE/guichet.log" &
tailer=$!
wait "$daemon" || true
kill "$tailer" 2>/dev/null || true
