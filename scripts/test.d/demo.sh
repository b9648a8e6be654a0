#!/bin/sh
# demo.sh - the README's first command, scripts/demo.sh, run once as a
# user would run it, with its own state directory: servers started, the
# database migrated, the sample mails taken into tickets (by IMAP IDLE
# and by LMTP) and acknowledged, the status page and the report drawn in
# headless Chromium. scripts/demo.sh fails when the tickets do not
# appear or a page shows nothing; this step also checks what the SMTP
# sink received, and that the daemon did not find its PostgreSQL less
# than durable. The data is removed afterwards.
#
# Run by scripts/test.sh (it sets ROOT), or alone: sh scripts/test.d/demo.sh.

set -eu

ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STATE="$ROOT/state/demo-test"
LOG="$ROOT/state/demo-test.log"
rm -rf "$STATE"
mkdir -p "$ROOT/state"      # not in a fresh clone
export GUICHET_DEMO_STATE="$STATE"
rc=0
"$ROOT/scripts/demo.sh" --for 0 >"$LOG" 2>&1 || rc=$?
if [ "$rc" -eq 0 ]; then
	# every sample mail and the LMTP one acknowledged to its customer
	want=$(($(ls "$ROOT"/scripts/demo-mail/*.eml | wc -l) + 1))
	acks=$(/usr/bin/python3 - "$STATE/smtp/Maildir/new" <<-'PYEOF'
	import email, os, re, sys
	seen = set()
	for name in os.listdir(sys.argv[1]):
	    with open(os.path.join(sys.argv[1], name), "rb") as f:
	        m = email.message_from_binary_file(f)
	    tag = re.search(r"\[(SUP-[0-9-]+)\]", m.get("Subject", ""))
	    if tag and not m.get("X-RcptTo", "").endswith("@example.com"):
	        seen.add(tag.group(1))
	print(len(seen))
	PYEOF
	)
	if [ "$acks" -lt "$want" ]; then
		echo "demo: $acks ticket(s) acknowledged to customers, expected" \
		    "$want" >&2
		rc=1
	fi
	# its private PostgreSQL is durable: the daemon has nothing to say
	if grep -q "PostgreSQL runs with" "$STATE/guichet.log"; then
		echo "demo: the daemon found its PostgreSQL not durable:" >&2
		grep "PostgreSQL runs with" "$STATE/guichet.log" >&2
		rc=1
	fi
fi
if [ "$rc" -ne 0 ]; then
	echo "demo: failed ($rc); its output:" >&2
	cat "$LOG" >&2
fi
rm -rf "$STATE"
exit "$rc"
