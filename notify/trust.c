/*
 * trust.c - the learned roots of our TLS servers (see trust.h)
 */
#include "notify/trust.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

#define TRUST_FILES 4       /* distinct ca_file values: SMTP's, webhooks' */

/* The file that one ca_file's transfers trust: ca_file, then the roots. */
struct learned_file {
	char *ca_file;          /* "": none */
	char path[PATH_MAX];
	struct stat ca_st;      /* ca_file as it was copied */
	unsigned gen;           /* the roots' generation written; 0: none */
	bool fits;              /* a chain verified by ca_file alone */
};

static struct {
	pthread_mutex_t lock;
	X509 *roots[TRUST_MAX_ROOTS];
	int n;
	unsigned gen;           /* changes with the roots */
	int wholes;             /* TLS connections that read the whole store */
	bool read;              /* the system's bundle was read: */
	struct stat bundle_st;  /* as it was */
	struct learned_file files[TRUST_FILES];
	size_t nfiles;
} L = { .lock = PTHREAD_MUTEX_INITIALIZER, .gen = 1 };

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Everything learned let go. */
static void
forget(void)
{
	for (int i = 0; i < L.n; i++)
		X509_free(L.roots[i]);
	L.n = 0;
	L.read = false;
	for (size_t i = 0; i < L.nfiles; i++) {
		if (L.files[i].gen != 0)
			(void)unlink(L.files[i].path);
		L.files[i].gen = 0;
		L.files[i].fits = false;
	}
	if (++L.gen == 0)
		L.gen = 1;
}

/* Whether what was learned still stands: the system's bundle is the one
 * it was learned from. Forgotten otherwise. */
static bool
bundle_unchanged(void)
{
	const char *b = curl_dyn_system_bundle();
	struct stat st;

	if (!L.read)
		return false;
	if (b == NULL || stat(b, &st) != 0 || !same_file(&st, &L.bundle_st)) {
		log_info("tls: the system's CA bundle changed: the roots "
		    "learned are forgotten");
		forget();
		return false;
	}
	return true;
}

/* The learned files live in a folder of the private directory: not in
 * it, which is the CA directory of a transfer with ca_file (read whole,
 * every file). */
static char files_dir[PATH_MAX];
static pid_t files_pid;     /* the process that made them */

/* At exit: the files and their folder gone, so that the private
 * directory can go too (curl_dyn.c removes it after: atexit() runs in
 * reverse order). */
static void
remove_files(void)
{
	char tmp[PATH_MAX + 8];

	if (getpid() != files_pid)
		return;
	for (size_t i = 0; i < L.nfiles; i++) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", L.files[i].path);
		(void)unlink(L.files[i].path);
		(void)unlink(tmp);
	}
	(void)rmdir(files_dir);
}

/* The folder of the learned files, made once; NULL when it cannot be. */
static const char *
learned_dir(void)
{
	const char *dir;

	if (files_dir[0] != '\0')
		return files_dir;
	if ((dir = curl_dyn_private_dir()) == NULL ||
	    (size_t)snprintf(files_dir, sizeof(files_dir), "%s/learned",
	    dir) >= sizeof(files_dir) - 32 || mkdir(files_dir, 0700) != 0) {
		files_dir[0] = '\0';
		return NULL;
	}
	files_pid = getpid();
	if (atexit(remove_files) != 0) {
		(void)rmdir(files_dir);
		files_dir[0] = '\0';
		return NULL;
	}
	return files_dir;
}

static struct learned_file *
file_for(const char *ca_file)
{
	const char *key = ca_file != NULL ? ca_file : "", *dir;
	struct learned_file *f;

	for (size_t i = 0; i < L.nfiles; i++)
		if (strcmp(L.files[i].ca_file, key) == 0)
			return &L.files[i];
	if (L.nfiles == TRUST_FILES || (dir = learned_dir()) == NULL)
		return NULL;
	f = &L.files[L.nfiles];
	/* a TMPDIR so long that the name does not fit: nothing learned,
	 * rather than a file of another name */
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%zu.pem", dir,
	    L.nfiles) >= sizeof(f->path))
		return NULL;
	f->ca_file = xstrdup(key);
	f->gen = 0;
	f->fits = false;
	L.nfiles++;
	return f;
}

/* Copy the file at path into out; 0, or -1. */
static int
copy_into(FILE *out, const char *path, struct stat *st)
{
	char chunk[8192];
	size_t n;
	FILE *in = fopen(path, "r");
	int rc = 0;

	if (in == NULL)
		return -1;
	if (fstat(fileno(in), st) != 0)
		rc = -1;
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (fwrite(chunk, 1, n, out) != n)
			rc = -1;
	if (ferror(in))
		rc = -1;
	fclose(in);
	return rc;
}

/* f's file written again: its ca_file, then the roots; 0, or -1. */
static int
write_file(struct learned_file *f)
{
	char tmp[PATH_MAX + 8];
	FILE *out;
	int rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	if ((out = fopen(tmp, "w")) == NULL)
		return -1;
	if (f->ca_file[0] != '\0' && copy_into(out, f->ca_file, &f->ca_st))
		rc = -1;
	/* a bundle may end without a line break */
	if (rc == 0 && f->ca_file[0] != '\0' && fputc('\n', out) == EOF)
		rc = -1;
	for (int i = 0; rc == 0 && i < L.n; i++)
		if (PEM_write_X509(out, L.roots[i]) != 1)
			rc = -1;
	if (fclose(out) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, f->path) != 0)
		rc = -1;
	if (rc != 0) {
		(void)unlink(tmp);
		return -1;
	}
	f->gen = L.gen;
	return 0;
}

/* The learned file for ca_file, written if need be; NULL: none fits. */
static const char *
learned_path(const char *ca_file)
{
	struct learned_file *f;
	struct stat st;

	if (!bundle_unchanged() || (f = file_for(ca_file)) == NULL)
		return NULL;
	if (f->ca_file[0] != '\0' && f->gen != 0 &&
	    (stat(f->ca_file, &st) != 0 || !same_file(&st, &f->ca_st))) {
		f->fits = false;     /* another ca_file: learned again */
		f->gen = 0;
	}
	if (L.n == 0 && !f->fits)
		return NULL;
	/* written, and still there (a cleaner of /tmp may have passed) */
	if ((f->gen != L.gen || access(f->path, R_OK) != 0) &&
	    write_file(f) != 0) {
		static bool told;

		if (!told)
			log_warn("tls: cannot write %s: the whole CA store is "
			    "read at each connection", f->path);
		told = true;
		return NULL;
	}
	return f->path;
}

CURLcode
trust_set(CURL *curl, const char *ca_file, bool whole,
    enum trust_mode *mode_r)
{
	const char *path;
	CURLcode cc;

	pthread_mutex_lock(&L.lock);
	path = whole ? NULL : learned_path(ca_file);
	if (path != NULL) {
		*mode_r = TRUST_LEARNED;
		if ((cc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER,
		    1L)) == CURLE_OK &&
		    (cc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST,
		    2L)) == CURLE_OK &&
		    (cc = curl_easy_setopt(curl, CURLOPT_CAINFO, path)) ==
		    CURLE_OK &&
		    (cc = curl_easy_setopt(curl, CURLOPT_CAPATH, NULL)) ==
		    CURLE_OK)
			cc = curl_easy_setopt(curl, CURLOPT_CERTINFO, 0L);
	} else {
		*mode_r = TRUST_WHOLE;
		if ((cc = curl_dyn_trust(curl, ca_file)) == CURLE_OK)
			cc = curl_easy_setopt(curl, CURLOPT_CERTINFO, 1L);
	}
	pthread_mutex_unlock(&L.lock);
	return cc;
}

/* A failure that the whole store may not have: the server's chain did
 * not verify, or the learned file could not be read. */
static bool
trust_failed(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION ||
	    cc == CURLE_SSL_CACERT_BADFILE;
}

/* The certificates the last transfer's new TLS connection showed; NULL
 * when it made none (no TLS, or a connection reused). */
static const struct curl_certinfo *
shown(CURL *curl)
{
	struct curl_certinfo *ci = NULL;
	long connects = 0;

	if (curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects) !=
	    CURLE_OK || connects == 0 ||
	    curl_easy_getinfo(curl, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs < 1)
		return NULL;
	return ci;
}

/* That chain parsed: *leaf and the others in order; false when the leaf
 * is not there. */
static bool
chain_of(const struct curl_certinfo *ci, X509 **leaf, STACK_OF(X509) *rest)
{
	*leaf = NULL;
	for (int i = 0; i < ci->num_of_certs && i < 16; i++)
		for (struct curl_slist *s = ci->certinfo[i]; s; s = s->next) {
			BIO *bio;
			X509 *x;

			if (strncmp(s->data, "Cert:", 5) != 0)
				continue;
			if ((bio = BIO_new_mem_buf(s->data + 5, -1)) == NULL)
				fatal("BIO_new_mem_buf: out of memory");
			x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
			BIO_free(bio);
			if (x == NULL)
				continue;
			if (*leaf == NULL)
				*leaf = x;
			else if (!sk_X509_push(rest, x))
				X509_free(x);
			break;
		}
	return *leaf != NULL;
}

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

/* One PEM block's text [b, e) decoded into der; its length, or -1. */
static int
pem_decode(const char *b, const char *e, unsigned char *der)
{
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int n1 = 0, n2 = 0, rc = -1;

	if (ctx == NULL)
		fatal("EVP_ENCODE_CTX_new: out of memory");
	EVP_DecodeInit(ctx);
	if (e - b < INT_MAX && EVP_DecodeUpdate(ctx, der, &n1,
	    (const unsigned char *)b, (int)(e - b)) >= 0 &&
	    EVP_DecodeFinal(ctx, der + n1, &n2) == 1)
		rc = n1 + n2;
	EVP_ENCODE_CTX_free(ctx);
	return rc;
}

/* The certificates of the system's bundle whose DER holds name (the
 * issuer the chain's top certificate names), in a store of their own:
 * OpenSSL parses a certificate in about a million instructions, the
 * whole bundle in 200 M, three connections' worth; a byte search of
 * the decoded blocks finds the few that can be the root. NULL when the
 * bundle cannot be read. */
static X509_STORE *
candidates(const char *bundle, const unsigned char *name, size_t nlen)
{
	char *text;
	unsigned char *der;
	const char *p, *b, *e, *end;
	size_t len;
	struct gc_err err = { 0 };
	X509_STORE *s;

	if (file_read(&text, &len, bundle, 64u << 20, &err) != 0)
		return NULL;
	if ((s = X509_STORE_new()) == NULL)
		fatal("X509_STORE_new: out of memory");
	der = xmalloc(len + 1);
	end = text + len;
	for (p = text; (b = memmem(p, (size_t)(end - p), PEM_BEGIN,
	    strlen(PEM_BEGIN))) != NULL; p = e + strlen(PEM_END)) {
		const unsigned char *q = der;
		X509 *x;
		int n;

		b += strlen(PEM_BEGIN);
		if ((e = memmem(b, (size_t)(end - b), PEM_END,
		    strlen(PEM_END))) == NULL)
			break;
		if ((n = pem_decode(b, e, der)) <= 0 ||
		    memmem(der, (size_t)n, name, nlen) == NULL)
			continue;
		if ((x = d2i_X509(NULL, &q, n)) != NULL) {
			(void)X509_STORE_add_cert(s, x);
			X509_free(x);
		}
	}
	free(der);
	free(text);
	return s;
}

/* The root of leaf + rest in the system's bundle, learned; whether it
 * was found. */
static bool
learn_root(X509 *leaf, STACK_OF(X509) *rest)
{
	X509 *top = sk_X509_num(rest) > 0 ?
	    sk_X509_value(rest, sk_X509_num(rest) - 1) : leaf;
	unsigned char *name = NULL;
	int nlen = i2d_X509_NAME(X509_get_issuer_name(top), &name);
	X509_STORE *store;
	X509_STORE_CTX *ctx;
	STACK_OF(X509) *chain;
	X509 *root;
	bool found = false;

	if (nlen <= 0)
		return false;
	store = candidates(curl_dyn_system_bundle(), name, (size_t)nlen);
	OPENSSL_free(name);
	if (store == NULL)
		return false;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		fatal("X509_STORE_CTX_new: out of memory");
	if (X509_STORE_CTX_init(ctx, store, leaf, rest) != 1)
		fatal("X509_STORE_CTX_init failed");
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	if (X509_verify_cert(ctx) == 1 &&
	    (chain = X509_STORE_CTX_get0_chain(ctx)) != NULL &&
	    sk_X509_num(chain) > 0) {
		root = sk_X509_value(chain, sk_X509_num(chain) - 1);
		for (int i = 0; i < L.n && !found; i++)
			found = X509_cmp(L.roots[i], root) == 0;
		if (!found && L.n < TRUST_MAX_ROOTS) {
			char subject[256] = "";

			X509_up_ref(root);
			L.roots[L.n++] = root;
			if (++L.gen == 0)
				L.gen = 1;
			X509_NAME_oneline(X509_get_subject_name(root), subject,
			    sizeof(subject));
			log_debug("tls: root learned: %s", subject);
			found = true;
		}
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return found;
}

/* What is learned now is learned from the system's bundle as it is. */
static bool
bundle_noted(void)
{
	const char *b = curl_dyn_system_bundle();
	struct stat st;

	if (bundle_unchanged())
		return true;
	if (b == NULL || stat(b, &st) != 0)
		return false;
	L.bundle_st = st;
	L.read = true;
	return true;
}

/* After a transfer that succeeded under TRUST_WHOLE: learn the root of
 * the chain the server showed. Whether learned trust now fits ca_file. */
static bool
trust_learn(CURL *curl, const char *ca_file)
{
	const struct curl_certinfo *ci = shown(curl);
	STACK_OF(X509) *rest;
	struct learned_file *f;
	X509 *leaf;
	bool fits = false, now;

	if (ci == NULL)
		return false;
	/* learning costs about a fifth of a connection: not for a process
	 * that makes one (serve --once), at the second */
	pthread_mutex_lock(&L.lock);
	if (L.wholes < 2)
		L.wholes++;
	now = L.wholes == 2;
	pthread_mutex_unlock(&L.lock);
	if (!now)
		return false;
	if ((rest = sk_X509_new_null()) == NULL)
		fatal("sk_X509_new_null: out of memory");
	if (!chain_of(ci, &leaf, rest)) {
		sk_X509_pop_free(rest, X509_free);
		return false;
	}
	pthread_mutex_lock(&L.lock);
	if (bundle_noted()) {
		fits = learn_root(leaf, rest);
		/* verified by the whole store, not by the system's part:
		 * by ca_file, which the learned file holds */
		if (!fits && ca_file != NULL && (f = file_for(ca_file)) !=
		    NULL)
			fits = f->fits = true;
	}
	pthread_mutex_unlock(&L.lock);
	X509_free(leaf);
	sk_X509_pop_free(rest, X509_free);
	return fits;
}

CURLcode
trust_perform(CURL *curl, const char *ca_file, enum trust_mode *mode,
    const char *where, void (*again)(void *), void *arg)
{
	CURLcode cc;

	/* a handle kept from one transfer to the next (SMTP's) asks again
	 * before each: the system's bundle may have changed since, and the
	 * next connection must not trust a root it dropped */
	if (*mode == TRUST_LEARNED &&
	    (cc = trust_set(curl, ca_file, false, mode)) != CURLE_OK)
		return cc;
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK && *mode == TRUST_LEARNED && trust_failed(cc) &&
	    trust_set(curl, ca_file, true, mode) == CURLE_OK) {
		log_info("%s: its certificate chain is not the one learned: "
		    "verified again with the whole CA store", where);
		if (again != NULL)
			again(arg);
		cc = curl_easy_perform(curl);
	}
	/* learned once verified: the next connection reads a few roots */
	if (cc == CURLE_OK && *mode == TRUST_WHOLE &&
	    trust_learn(curl, ca_file))
		(void)trust_set(curl, ca_file, false, mode);
	return cc;
}
