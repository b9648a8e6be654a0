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
# Then, for a tool that has --count (one process, several POSTs, each a
# new connection), what each connection after the first two costs once
# the root of the server's chain is learned (notify/trust.h): the
# server's certificate is now signed by a throwaway CA added to a copy
# of the system's bundle (SSL_CERT_FILE), and answers 204; 2 POSTs, then
# 12, the difference over 10.
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
# wait_port PORT: until a server listens there (5 s at most)
wait_port() {
	i=0
	until /usr/bin/python3 -c "import socket; socket.create_connection(
('127.0.0.1', $1), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || {
			echo "bench-tls: no TLS server on port $1" >&2
			exit 1
		}
		sleep 0.1
	done
}
wait_port "$port"
# the second server: its CA is in a copy of the system's bundle
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/root-key.pem" -out "$dir/root.pem" -days 1 \
    -subj /CN=bench-root -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/srv-key.pem" -out "$dir/srv.csr" -subj /CN=localhost \
    2>/dev/null
printf 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n' \
    >"$dir/srv.ext"
openssl x509 -req -in "$dir/srv.csr" -CA "$dir/root.pem" \
    -CAkey "$dir/root-key.pem" -set_serial 1 -days 1 -extfile "$dir/srv.ext" \
    -out "$dir/srv.pem" 2>/dev/null
cat /etc/ssl/certs/ca-certificates.crt "$dir/root.pem" >"$dir/system.pem"
port2=$(/usr/bin/python3 -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 - "$port2" "$dir/srv.pem" "$dir/srv-key.pem" <<'PY' &
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.send_header("Connection", "close")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
c.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PY
pid2=$!
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; kill "$pid2" 2>/dev/null;
    rm -rf "$dir"' EXIT
wait_port "$port2"
# Ir of tool posting $2 times to the trusted server, each a connection
posts() {
	SSL_CERT_FILE="$dir/system.pem" TMPDIR="$dir" valgrind \
	    --tool=callgrind --callgrind-out-file="$dir/cg2" "$1" webhook \
	    --url "https://127.0.0.1:$port2/" --json '{}' --count "$2" \
	    >/dev/null 2>&1 || return 1
	callgrind_annotate "$dir/cg2" | awk '/PROGRAM TOTALS/ {
	    gsub(",", "", $1); print $1; exit }'
}
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
	if two=$(posts "$tool" 2) && twelve=$(posts "$tool" 12); then
		awk -v a="$two" -v b="$twelve" -v tool="$tool" 'BEGIN {
		    printf "%s: %.1f M instructions for 2 HTTPS POSTs in one " \
		        "process, %.1f M for each further one (its own " \
		        "connection)\n", tool, a / 1e6, (b - a) / 10 / 1e6 }'
	else
		echo "$tool: no --count, or the POSTs failed: no figure of" \
		    "further connections"
	fi
done
