/*
 * test_tls_verify.c - server certificate checks against the system store
 *
 * A CA and a server certificate it signs are made at run time; the
 * system store is faked through SSL_CERT_DIR and SSL_CERT_FILE. The CA
 * is trusted when found in the hashed directory alone, in the bundle
 * alone (the fallback: a hashed directory that lacks it must not lose
 * it), or in the extra CA file; it is refused, with OpenSSL's reason,
 * when in none of them; a wrong host name is refused even with a good
 * chain.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "daemon/tls_verify.h"

struct pki {
	char dir[64];           /* temporary directory */
	char empty_dir[96];     /* a hashed directory without our CA */
	char hash_dir[96];      /* a hashed directory with our CA */
	char bundle[96];        /* a bundle holding our CA */
	char nothing[96];       /* a bundle that does not exist */
	unsigned char *leaf_der;
	int leaf_len;
};

static X509 *
make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *ikey,
    bool ca)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 30);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ca) {
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
		    "DNS:mail.example.test");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_ext_key_usage,
		    "serverAuth");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, ikey != NULL ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static void
write_pem(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	struct pki *p = calloc(1, sizeof(*p));
	EVP_PKEY *cakey, *key;
	X509 *ca, *leaf;
	char path[160];
	unsigned char *der = NULL;

	assert_non_null(p);
	strcpy(p->dir, "/tmp/test_tls_verify.XXXXXX");
	assert_non_null(mkdtemp(p->dir));
	snprintf(p->empty_dir, sizeof(p->empty_dir), "%s/empty", p->dir);
	snprintf(p->hash_dir, sizeof(p->hash_dir), "%s/hashed", p->dir);
	snprintf(p->bundle, sizeof(p->bundle), "%s/bundle.pem", p->dir);
	snprintf(p->nothing, sizeof(p->nothing), "%s/none.pem", p->dir);
	assert_int_equal(mkdir(p->empty_dir, 0700), 0);
	assert_int_equal(mkdir(p->hash_dir, 0700), 0);

	cakey = EVP_EC_gen("P-256");
	key = EVP_EC_gen("P-256");
	assert_non_null(cakey);
	assert_non_null(key);
	ca = make_cert(cakey, "Test Root", NULL, NULL, true);
	leaf = make_cert(key, "mail.example.test", ca, cakey, false);
	write_pem(p->bundle, ca);
	snprintf(path, sizeof(path), "%s/%08lx.0", p->hash_dir,
	    X509_subject_name_hash(ca));
	write_pem(path, ca);
	p->leaf_len = i2d_X509(leaf, &der);
	assert_true(p->leaf_len > 0);
	p->leaf_der = der;
	X509_free(ca);
	X509_free(leaf);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
	*state = p;
	return 0;
}

static int
teardown(void **state)
{
	struct pki *p = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", p->dir);
	OPENSSL_free(p->leaf_der);
	free(p);
	return 0;
}

static int
verify(struct pki *p, const char *dir, const char *file, const char *ca,
    const char *host, struct gc_err *err)
{
	struct tls_verify_cert chain = { p->leaf_der, (size_t)p->leaf_len };

	setenv("SSL_CERT_DIR", dir, 1);
	setenv("SSL_CERT_FILE", file, 1);
	gc_err_clear(err);
	return tls_verify_chain(&chain, 1, host, ca, err);
}

/* The chain is accepted for its name, with a clean err. */
static void
accepted(struct pki *p, const char *dir, const char *file, const char *ca)
{
	struct gc_err err;

	assert_int_equal(verify(p, dir, file, ca, "mail.example.test", &err),
	    0);
	assert_int_equal(err.code, 0);
}

static void
test_hashed_dir(void **state)
{
	struct pki *p = *state;

	accepted(p, p->hash_dir, p->nothing, NULL);
}

static void
test_bundle_when_the_dir_lacks_it(void **state)
{
	struct pki *p = *state;

	accepted(p, p->empty_dir, p->bundle, NULL);
}

static void
test_extra_ca_file(void **state)
{
	struct pki *p = *state;
	struct gc_err err;

	accepted(p, p->empty_dir, p->nothing, p->bundle);
	assert_int_equal(verify(p, p->empty_dir, p->nothing, p->nothing,
	    "mail.example.test", &err), GC_ECONFIG);
	assert_non_null(strstr(err.msg, "cannot load CA file"));
}

static void
test_unknown_ca_refused(void **state)
{
	struct pki *p = *state;
	struct gc_err err;

	assert_int_equal(verify(p, p->empty_dir, p->nothing, NULL,
	    "mail.example.test", &err), GC_ETLS);
	assert_string_equal(err.msg, "certificate verify failed: unable to "
	    "get local issuer certificate (depth 0, /CN=mail.example.test)");
}

static void
test_wrong_host_refused(void **state)
{
	struct pki *p = *state;
	struct gc_err err;

	assert_int_equal(verify(p, p->hash_dir, p->nothing, NULL,
	    "other.example.test", &err), GC_ETLS);
	assert_non_null(strstr(err.msg, "host name mismatch"));
	assert_int_equal(verify(p, p->empty_dir, p->bundle, NULL,
	    "other.example.test", &err), GC_ETLS);
	assert_non_null(strstr(err.msg, "host name mismatch"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashed_dir),
		cmocka_unit_test(test_bundle_when_the_dir_lacks_it),
		cmocka_unit_test(test_extra_ca_file),
		cmocka_unit_test(test_unknown_ca_refused),
		cmocka_unit_test(test_wrong_host_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
