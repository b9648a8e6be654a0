#!/bin/sh
# bench-tls.sh - what one new TLS connection of ours costs: a webhook
# POST over HTTPS (tests/tools/smtp_tool webhook, the daemon's own
# webhook_post()) to a local server, counted under callgrind, the whole
# process and the part spent loading the CA store (prints figures; not a
# test). libcurl loads its CA store at every new TLS connection: each
# webhook, each SMTP connection after the server closed an idle one.
#
# The server's certificate is a throwaway one that nothing trusts, so
# the POST ends with "certificate verification failed": the point is
# that the store was loaded and used, and that verification still holds.
#
# Each tool runs twice: without tls_ca_file (the system's CAs alone),
# then with one (--ca: another throwaway CA besides the system's).
#
# Usage: scripts/bench-tls.sh [SMTP_TOOL...]   (default: this tree's,
#        built here; give an older build's to compare)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
sh "$ROOT/scripts/deps.sh"
for cmd in valgrind callgrind_annotate openssl; do
	command -v "$cmd" >/dev/null || {
		echo "bench-tls: needs $cmd (apt-get install valgrind openssl)" >&2
		exit 69
	}
done
if [ $# -eq 0 ]; then
	cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    >/dev/null
	cmake --build "$ROOT/build" -j 2 --target smtp_tool >/dev/null
	set -- "$ROOT/build/tests/smtp_tool"
fi
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" \
    -out "$dir/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
# a CA of an operator's own (tls_ca_file): another throwaway one
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca-key.pem" \
    -out "$dir/ca.pem" -days 1 -subj /CN=own-ca 2>/dev/null
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl s_server -accept "127.0.0.1:$port" -key "$dir/key.pem" \
    -cert "$dir/cert.pem" -www -quiet >/dev/null 2>&1 &
pid=$!
i=0
until /usr/bin/python3 -c "import socket; socket.create_connection(
('127.0.0.1', $port), 1)" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -lt 50 ] || { echo "bench-tls: no TLS server" >&2; exit 1; }
	sleep 0.1
done
for tool in "$@"; do
	# without tls_ca_file (the system's CAs), then with one (--ca: the
	# system's and that one)
	for ca in "" "$dir/ca.pem"; do
		out="$dir/cg"
		err=$(valgrind --tool=callgrind --callgrind-out-file="$out" \
		    "$tool" webhook --url "https://127.0.0.1:$port/" \
		    --json '{}' ${ca:+--ca "$ca"} 2>&1 | grep -v '^==' || true)
		total=$(callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ {
		    gsub(",", "", $1); print $1; exit }')
		store=$(callgrind_annotate --inclusive=yes "$out" | awk '
		    /gnutls_certificate_set_x509_trust_(dir|file) / {
		        gsub(",", "", $1); s += $1 } END { print s + 0 }')
		awk -v t="$total" -v s="$store" -v tool="$tool" \
		    -v ca="${ca:+with tls_ca_file}" 'BEGIN {
		    printf "%s%s: %.1f M instructions for one HTTPS POST, " \
		        "%.1f M of them loading the CA store\n", tool,
		        ca == "" ? "" : " (" ca ")", t / 1e6, s / 1e6 }'
		echo "  ($err)"
		rm -f "$out"
	done
done
