/*
 * curl_url.h - the URL of a transfer of ours (an SMTP server, a webhook
 * receiver, an OAuth2 endpoint), read with libcurl's parser and checked
 * before use; an HTTP transfer set up as all of ours are
 */
#ifndef GC_NOTIFY_CURL_URL_H
#define GC_NOTIFY_CURL_URL_H

#include "common/err.h"
#include "notify/curl_dyn.h"
#include "notify/trust.h"

/*
 * url split by libcurl into *h_r (for CURLOPT_CURLU; the caller frees it
 * with curl_url_cleanup()), and "scheme://host:port" into *where_r
 * (malloc'd), for messages: never a credential, path or query, which may
 * carry secrets. GC_ECONFIG, and nothing returned, for what is not a URL,
 * a scheme other than s1 and s2, and credentials inside the URL.
 */
int curl_url_check(CURLU **h_r, char **where_r, const char *url,
    const char *s1, const char *s2, struct gc_err *err);

/* An HTTP transfer to h (from curl_url_check(), which the caller frees
 * after the transfer), as every one of ours: http and https only, no
 * redirect followed, timeout seconds to connect and in all, curl's
 * errors into errbuf (CURL_ERROR_SIZE), the CAs of ca_file (NULL: none)
 * and the trust of notify/trust.h, whose *trust trust_perform() takes. */
CURL *curl_http_new(CURLU *h, const char *ca_file, long timeout,
    char *errbuf, enum trust_mode *trust);

#endif
