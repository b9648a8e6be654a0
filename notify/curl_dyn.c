/*
 * curl_dyn.c - libcurl, opened when first needed (see curl_dyn.h)
 */
#include "notify/curl_dyn.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dynlib.h"

static struct curl_dyn table;
static const struct dynlib_sym syms[] = {
	{ "curl_global_init", (void **)&table.global_init },
	{ "curl_version_info", (void **)&table.version_info },
	{ "curl_easy_init", (void **)&table.easy_init },
	{ "curl_easy_setopt", (void **)&table.easy_setopt },
	{ "curl_easy_perform", (void **)&table.easy_perform },
	{ "curl_easy_getinfo", (void **)&table.easy_getinfo },
	{ "curl_easy_cleanup", (void **)&table.easy_cleanup },
	{ "curl_easy_strerror", (void **)&table.easy_strerror },
	{ "curl_slist_append", (void **)&table.slist_append },
	{ "curl_slist_free_all", (void **)&table.slist_free_all },
	{ "curl_url", (void **)&table.url },
	{ "curl_url_set", (void **)&table.url_set },
	{ "curl_url_get", (void **)&table.url_get },
	{ "curl_url_cleanup", (void **)&table.url_cleanup },
	{ "curl_free", (void **)&table.free },
};
DYNLIB_TABLE(curl_dyn, GUICHET_SONAME_CURL, syms, table)

/* The systems' CA bundles: Debian and Ubuntu, Fedora and RHEL, SUSE,
 * Alpine and the BSDs. */
static const char *const bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/ssl/cert.pem",
};

/* The system's bundle file, looked for once: SSL_CERT_FILE when set
 * (as OpenSSL reads it for our IMAP connections), else the first of
 * bundles[] that can be read; NULL when there is none. */
const char *
curl_dyn_system_bundle(void)
{
	static const char *bundle;
	static int looked;

	if (!looked) {
		const char *env = getenv("SSL_CERT_FILE");

		looked = 1;
		if (env != NULL && *env != '\0') {
			bundle = env;
			return bundle;
		}
		for (size_t i = 0; i < sizeof(bundles) / sizeof(*bundles);
		    i++)
			if (access(bundles[i], R_OK) == 0) {
				bundle = bundles[i];
				break;
			}
	}
	return bundle;
}

/* With a ca_file, libcurl takes it as its one file and a directory for
 * the rest: a directory of our own, made once per process, holding a
 * link to the system's bundle and nothing else, removed at exit. A link,
 * not a copy, so that the system's updates are read at the next
 * connection, as they are without a ca_file. */
static char bundle_dir[PATH_MAX];
static pid_t bundle_dir_pid;

static void
bundle_dir_remove(void)
{
	char link[PATH_MAX + 16];

	if (bundle_dir[0] == '\0' || getpid() != bundle_dir_pid)
		return;
	snprintf(link, sizeof(link), "%s/system.pem", bundle_dir);
	(void)unlink(link);
	(void)rmdir(bundle_dir);
	bundle_dir[0] = '\0';
}

static const char *
bundle_dir_get(const char *bundle)
{
	static int tried;
	char link[PATH_MAX + 16], *abs;
	const char *base;
	bool ok;
	int n;

	if (tried)
		return bundle_dir[0] != '\0' ? bundle_dir : NULL;
	tried = 1;
	/* systemd's RuntimeDirectory= (one), else the temporary one */
	base = getenv("RUNTIME_DIRECTORY");
	if (base == NULL || *base != '/' || strchr(base, ':') != NULL)
		base = getenv("TMPDIR");
	if (base == NULL || *base != '/')
		base = "/tmp";
	n = snprintf(bundle_dir, sizeof(bundle_dir), "%s/guichet-ca.XXXXXX",
	    base);
	if (n < 0 || (size_t)n >= sizeof(bundle_dir) ||
	    mkdtemp(bundle_dir) == NULL) {
		bundle_dir[0] = '\0';
		return NULL;
	}
	snprintf(link, sizeof(link), "%s/system.pem", bundle_dir);
	/* a relative SSL_CERT_FILE is the working directory's */
	abs = realpath(bundle, NULL);
	ok = symlink(abs != NULL ? abs : bundle, link) == 0;
	free(abs);
	if (!ok) {
		(void)rmdir(bundle_dir);
		bundle_dir[0] = '\0';
		return NULL;
	}
	bundle_dir_pid = getpid();
	if (atexit(bundle_dir_remove) != 0)
		bundle_dir_remove();
	return bundle_dir[0] != '\0' ? bundle_dir : NULL;
}

const char *
curl_dyn_private_dir(void)
{
	const char *bundle = curl_dyn_system_bundle();

	return bundle != NULL ? bundle_dir_get(bundle) : NULL;
}

CURLcode
curl_dyn_trust(CURL *curl, const char *ca_file)
{
	const char *bundle = curl_dyn_system_bundle(), *dir;
	CURLcode cc;

	if ((cc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L)) != 0 ||
	    (cc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L)) != 0)
		return cc;
	if (ca_file != NULL) {
		if ((cc = curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file)) != 0)
			return cc;
		/* without a bundle or our directory: libcurl's own
		 * directory, as before */
		if (bundle == NULL || (dir = bundle_dir_get(bundle)) == NULL)
			return CURLE_OK;
		return curl_easy_setopt(curl, CURLOPT_CAPATH, dir);
	}
	if (bundle == NULL)
		return CURLE_OK;     /* libcurl's own default */
	if ((cc = curl_easy_setopt(curl, CURLOPT_CAINFO, bundle)) != 0)
		return cc;
	return curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
}
