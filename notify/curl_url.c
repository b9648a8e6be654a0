/*
 * curl_url.c - the URL of a transfer of ours, checked, and an HTTP
 * transfer set up as all of ours are (see curl_url.h)
 */
#include "notify/curl_url.h"

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

int
curl_url_check(CURLU **h_r, char **where_r, const char *url, const char *s1,
    const char *s2, struct gc_err *err)
{
	CURLU *h = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	int rc = 0;

	*h_r = NULL;
	*where_r = NULL;
	if (h == NULL)
		fatal("curl_url: out of memory");
	if (url == NULL ||
	    curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = gc_err_set(err, GC_ECONFIG, "not a URL");
		goto out;
	}
	if (str_casecmp(scheme, s1) != 0 && str_casecmp(scheme, s2) != 0) {
		rc = gc_err_set(err, GC_ECONFIG, "URL scheme %s: expected "
		    "%s:// or %s://", scheme, s1, s2);
		goto out;
	}
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		rc = gc_err_set(err, GC_ECONFIG, "credentials inside the URL "
		    "of %s: give them apart", host);
		goto out;
	}
	curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	*where_r = xasprintf("%s://%s:%s", scheme, host, port ? port : "?");
	*h_r = h;
	h = NULL;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(h);
	return rc;
}

CURL *
curl_http_new(CURLU *h, const char *ca_file, long timeout, char *errbuf,
    enum trust_mode *trust)
{
	CURL *curl = curl_easy_init();

	if (curl == NULL)
		fatal("curl_easy_init failed");
	curl_easy_setopt(curl, CURLOPT_CURLU, h);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	(void)trust_set(curl, ca_file, false, trust);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "guichet");
	return curl;
}
