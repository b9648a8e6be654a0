/*
 * curl_url.h - the URL of a transfer of ours (an SMTP server, a webhook
 * receiver), read with libcurl's parser and checked before use
 */
#ifndef GC_NOTIFY_CURL_URL_H
#define GC_NOTIFY_CURL_URL_H

#include "common/err.h"
#include "notify/curl_dyn.h"

/*
 * url split by libcurl into *h_r (for CURLOPT_CURLU; the caller frees it
 * with curl_url_cleanup()), and "scheme://host:port" into *where_r
 * (malloc'd), for messages: never a credential, path or query, which may
 * carry secrets. GC_ECONFIG, and nothing returned, for what is not a URL,
 * a scheme other than s1 and s2, and credentials inside the URL.
 */
int curl_url_check(CURLU **h_r, char **where_r, const char *url,
    const char *s1, const char *s2, struct gc_err *err);

#endif
