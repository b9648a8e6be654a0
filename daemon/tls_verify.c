/*
 * tls_verify.c - server certificate checks with OpenSSL (see tls_verify.h)
 *
 * One X509_STORE is built per call, in two tries. The first has the
 * system's hashed CA directory (SSL_CERT_DIR or OpenSSL's default), whose
 * certificates are read only when a chain asks for their subject, plus
 * the extra CA file. Only when that store does not verify the chain is
 * the whole system bundle (SSL_CERT_FILE or OpenSSL's default file, some
 * 150 certificates parsed up front: most of the CPU of a connect) added,
 * as X509_STORE_set_default_paths does, and the chain verified again.
 * The second store holds every anchor of the first, so the verdict is
 * the one of the full store: no chain is accepted that it would refuse,
 * and a refusal reports its error.
 */
#include "tls_verify.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/log.h"

#define MAX_CHAIN 16        /* certificates we accept from a server */

static void
subject_of(char *buf, size_t len, X509 *cert)
{
	X509_NAME *name;

	buf[0] = '\0';
	if (cert == NULL)
		return;
	name = X509_get_subject_name(cert);
	if (name != NULL)
		X509_NAME_oneline(name, buf, (int)len);
}

static bool
is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
}

/* A store of the hashed CA directory alone (full false), or of all the
 * system default paths (full true), plus ca_file. */
static int
load_store(X509_STORE **out, bool full, const char *ca_file,
    struct gc_err *err)
{
	X509_STORE *store;
	X509_LOOKUP *dir;
	unsigned long e;

	store = X509_STORE_new();
	if (store == NULL)
		fatal("X509_STORE_new: out of memory");
	/* Missing system paths are not an error: ca_file may be enough. */
	if (full) {
		X509_STORE_set_default_paths(store);
	} else {
		dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
		if (dir == NULL)
			fatal("X509_STORE_add_lookup: out of memory");
		X509_LOOKUP_add_dir(dir, NULL, X509_FILETYPE_DEFAULT);
	}
	ERR_clear_error();
	if (ca_file != NULL && ca_file[0] != '\0' &&
	    X509_STORE_load_file(store, ca_file) != 1) {
		e = ERR_peek_last_error();
		X509_STORE_free(store);
		ERR_clear_error();
		return gc_err_set(err, GC_ECONFIG, "cannot load CA file %s: %s",
		    ca_file, e != 0 ? ERR_reason_error_string(e) :
		    "no certificate in it");
	}
	*out = store;
	return 0;
}

/* 1 when the store verifies leaf through untrusted, 0 when not (with
 * the reason in err), GC_ECONFIG when ca_file cannot be loaded. */
static int
verify_with(bool full, X509 *leaf, STACK_OF(X509) *untrusted,
    const char *ca_file, struct gc_err *err)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx;
	char subject[256];
	int r, verr, depth;

	r = load_store(&store, full, ca_file, err);
	if (r < 0)
		return r;
	ctx = X509_STORE_CTX_new();
	if (ctx == NULL)
		fatal("X509_STORE_CTX_new: out of memory");
	if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
		fatal("X509_STORE_CTX_init failed");
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
	    X509_V_FLAG_PARTIAL_CHAIN);
	r = 1;
	if (X509_verify_cert(ctx) != 1) {
		verr = X509_STORE_CTX_get_error(ctx);
		depth = X509_STORE_CTX_get_error_depth(ctx);
		subject_of(subject, sizeof(subject),
		    X509_STORE_CTX_get_current_cert(ctx));
		gc_err_set(err, GC_ETLS, "certificate verify failed: %s "
		    "(depth %d, %s)", X509_verify_cert_error_string(verr),
		    depth, subject[0] ? subject : "no subject");
		r = 0;
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return r;
}

static int
check_name(X509 *leaf, const char *host, struct gc_err *err)
{
	char subject[256];
	int r;

	if (is_ip_literal(host))
		r = X509_check_ip_asc(leaf, host, 0);
	else
		r = X509_check_host(leaf, host, strlen(host),
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
	if (r == 1)
		return 0;
	subject_of(subject, sizeof(subject), leaf);
	return gc_err_set(err, GC_ETLS, "host name mismatch: the certificate "
	    "(%s) does not name %s", subject, host);
}

int
tls_verify_chain(const struct tls_verify_cert *chain, size_t n,
    const char *host, const char *ca_file, struct gc_err *err)
{
	STACK_OF(X509) *untrusted = NULL;
	X509 *leaf = NULL;
	size_t i;
	int r;

	if (n == 0 || chain[0].der == NULL)
		return gc_err_set(err, GC_ETLS,
		    "the server presented no certificate");
	if (n > MAX_CHAIN)
		return gc_err_set(err, GC_ETLS, "the server presented %zu "
		    "certificates (at most %d accepted)", n, MAX_CHAIN);
	if (host == NULL || host[0] == '\0')
		return gc_err_set(err, GC_EINVAL, "no host name to check");

	untrusted = sk_X509_new_null();
	if (untrusted == NULL)
		fatal("sk_X509_new_null: out of memory");
	for (i = 0; i < n; i++) {
		const unsigned char *p = chain[i].der;
		X509 *x;

		if (chain[i].len > (size_t)1 << 20) {
			r = gc_err_set(err, GC_ETLS, "server certificate %zu "
			    "is too large", i);
			goto out;
		}
		x = d2i_X509(NULL, &p, (long)chain[i].len);
		if (x == NULL) {
			r = gc_err_set(err, GC_ETLS, "server certificate %zu "
			    "cannot be decoded", i);
			goto out;
		}
		if (i == 0)
			leaf = x;
		else if (sk_X509_push(untrusted, x) == 0)
			fatal("sk_X509_push: out of memory");
	}

	r = verify_with(false, leaf, untrusted, ca_file, err);
	if (r == 0) {
		gc_err_clear(err);
		r = verify_with(true, leaf, untrusted, ca_file, err);
	}
	if (r < 0)
		goto out;
	if (r == 0) {
		r = GC_ETLS;
		goto out;
	}
	r = check_name(leaf, host, err);
out:
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	ERR_clear_error();
	return r;
}
