/*
 * curl_dyn.c - libcurl, opened when first needed (see curl_dyn.h)
 */
#include "notify/curl_dyn.h"

#include <stddef.h>
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

CURLcode
curl_dyn_trust(CURL *curl, const char *ca_file)
{
	static const char *bundle;
	static int looked;
	CURLcode cc;

	if ((cc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L)) != 0 ||
	    (cc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L)) != 0)
		return cc;
	if (ca_file != NULL)
		return curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
	if (!looked) {
		looked = 1;
		for (size_t i = 0; i < sizeof(bundles) / sizeof(*bundles);
		    i++)
			if (access(bundles[i], R_OK) == 0) {
				bundle = bundles[i];
				break;
			}
	}
	if (bundle == NULL)
		return CURLE_OK;     /* libcurl's own default */
	if ((cc = curl_easy_setopt(curl, CURLOPT_CAINFO, bundle)) != 0)
		return cc;
	return curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
}
