/*
 * tls_verify.h - check a server's certificate chain and name with OpenSSL
 *
 * Debian's libetpan does its TLS with GnuTLS and completes the handshake
 * with anyone: it never checks the server certificate. The handshake does
 * prove that the peer holds the key of the certificate it presented, so
 * checking that certificate afterwards, before a single byte of the
 * session is trusted (before LOGIN), is as good as checking it during the
 * handshake. This module does that check: the chain (leaf first, then the
 * intermediates the server sent) must lead to a CA of the system store
 * (OpenSSL's default paths, SSL_CERT_FILE/SSL_CERT_DIR honoured) or of an
 * extra CA file, be valid now and fit for a TLS server; and the leaf must
 * name the host that was dialled (DNS name, or IP address for a literal).
 *
 * A certificate listed in the extra CA file is trusted as an anchor even
 * when it is not self-signed (partial chains, as curl does), so that ops
 * may pin a server's own certificate.
 *
 * Ownership: the DER buffers are borrowed for the call. No global state;
 * the OpenSSL error queue is left empty.
 */
#ifndef GC_TLS_VERIFY_H
#define GC_TLS_VERIFY_H

#include <stddef.h>

#include "common/err.h"

struct tls_verify_cert {
	const unsigned char *der;
	size_t len;
};

/* Verify chain[0] (the server's certificate) with chain[1..n-1] as
 * untrusted intermediates, against the system store plus ca_file (may be
 * NULL), and check that it names host (a DNS name, or an IPv4/IPv6
 * literal without brackets). Returns 0, GC_ETLS with a reason such as
 * "certificate verify failed: self-signed certificate in certificate
 * chain (depth 1, CN = x)" or "host name mismatch: ...", or GC_ECONFIG
 * when ca_file cannot be loaded. */
int tls_verify_chain(const struct tls_verify_cert *chain, size_t n,
    const char *host, const char *ca_file, struct gc_err *err);

#endif
