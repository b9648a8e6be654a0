/*
 * webhook.c - a JSON event POSTed to a webhook receiver (see webhook.h)
 */
#include "notify/webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/sha256.h"
#include "common/util.h"
#include "notify/curl_dyn.h"
#include "notify/curl_url.h"
#include "notify/trust.h"

#define WEBHOOK_BODY_MAX 200    /* answer body kept for errors */

struct answer {
	char text[WEBHOOK_BODY_MAX + 1];
	size_t len;
};

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct answer *a = userp;
	size_t n = size * nmemb, keep = WEBHOOK_BODY_MAX - a->len;

	if (keep > n)
		keep = n;
	memcpy(a->text + a->len, ptr, keep);
	a->len += keep;
	a->text[a->len] = '\0';
	return n;
}

/* X-Guichet-Delivery, -Timestamp and -Signature (see webhook.h). */
static struct curl_slist *
sign_headers(struct curl_slist *hdrs, const struct webhook_sign *sign,
    const char *json, size_t len)
{
	unsigned char md[SHA256_LEN];
	char line[128], hex[2 * SHA256_LEN + 1], ts[24];
	struct buf msg = BUF_INIT(len + sizeof(ts) + 1);

	if (sign->delivery > 0) {
		snprintf(line, sizeof(line), "X-Guichet-Delivery: %lld",
		    sign->delivery);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (sign->secret != NULL) {
		snprintf(ts, sizeof(ts), "%lld", (long long)sign->at);
		if (buf_printf(&msg, "%s.", ts) != 0 ||
		    buf_add(&msg, json, len) != 0)
			fatal("webhook signature: out of memory");
		hmac_sha256(md, sign->secret, strlen(sign->secret), msg.data,
		    msg.len);
		buf_free(&msg);
		hex_encode(hex, md, SHA256_LEN);
		snprintf(line, sizeof(line), "X-Guichet-Timestamp: %s", ts);
		hdrs = curl_slist_append(hdrs, line);
		snprintf(line, sizeof(line), "X-Guichet-Signature: sha256=%s",
		    hex);
		hdrs = curl_slist_append(hdrs, line);
	}
	if (hdrs == NULL)
		fatal("curl_slist_append: out of memory");
	return hdrs;
}

/* A receiver that answers with a redirect (http:// to https://, a
 * moved path): a POST is never redirected (its body would be lost or
 * sent where the URL did not say), so it would fail for good; the new
 * place named by its scheme, host and port only. */
static int
redirected(CURL *curl, long status, const char *where, struct gc_err *err)
{
	char *to = NULL, *to_where = NULL;
	struct gc_err uerr = { 0 };
	CURLU *h = NULL;

	curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &to);
	if (to != NULL && curl_url_check(&h, &to_where, to, "http", "https",
	    &uerr) == 0)
		curl_url_cleanup(h);
	gc_err_set(err, GC_EINVAL, "webhook %s: HTTP %ld, a redirect%s%s: "
	    "a POST is not redirected: write the URL it redirects to",
	    where, status, to_where ? " to " : "", to_where ? to_where : "");
	free(to_where);
	return GC_EINVAL;
}

int
webhook_post(const char *url, const char *json, size_t len,
    const struct webhook_sign *sign, const char *ca_file, int timeout_sec,
    long long *retry_after_r, struct gc_err *err)
{
	long timeout = timeout_sec > 0 ? timeout_sec : WEBHOOK_DEFAULT_TIMEOUT;
	struct curl_slist *hdrs = NULL;
	struct answer ans = { .len = 0 };
	enum trust_mode trust;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLU *h;
	char *where;
	CURL *curl;
	CURLcode cc;
	long status = 0;
	int rc;

	if (retry_after_r != NULL)
		*retry_after_r = -1;
	if ((rc = curl_url_check(&h, &where, url, "http", "https", err)) != 0) {
		gc_err_prefix(err, "webhook url");
		return GC_EINVAL;
	}
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (hdrs == NULL)
		fatal("curl_slist_append: out of memory");
	if (sign != NULL)
		hdrs = sign_headers(hdrs, sign, json, len);
	curl = curl_http_new(h, ca_file, timeout, errbuf, &trust);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ans);

	cc = trust_perform(curl, ca_file, &trust, where, NULL, NULL);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	str_strip_ctl(ans.text);
	if (cc != CURLE_OK) {
		rc = gc_err_set(err, GC_ETEMP, "webhook %s: %s", where,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
	} else if (status >= 200 && status < 300) {
		rc = 0;
	} else if (status >= 300 && status < 400) {
		rc = redirected(curl, status, where, err);
	} else if (status >= 500 || status == 429 || status == 408) {
		curl_off_t ra = 0;

		/* "not now, come back in N s" (429, or 503 with the header):
		 * the receiver's own word on when */
		if (retry_after_r != NULL && (status == 429 || status == 503) &&
		    curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &ra) ==
		    CURLE_OK && ra > 0)
			*retry_after_r = (long long)ra;
		else if (retry_after_r != NULL && status == 429)
			*retry_after_r = 0;   /* limited, without a word on when */
		rc = gc_err_set(err, GC_ETEMP, "webhook %s: HTTP %ld: %s",
		    where, status, ans.text);
	} else {
		rc = gc_err_set(err, GC_EINVAL, "webhook %s: HTTP %ld: %s",
		    where, status, ans.text);
	}
	curl_easy_cleanup(curl);
	curl_slist_free_all(hdrs);
	curl_url_cleanup(h);
	free(where);
	return rc;
}

int
webhook_probe(const char *url, const char *ca_file, int timeout_sec,
    long *status_r, char *where_r, size_t wlen, struct gc_err *err)
{
	long timeout = timeout_sec > 0 ? timeout_sec :
	    WEBHOOK_DEFAULT_TIMEOUT;
	enum trust_mode trust;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLU *h;
	char *where;
	CURL *curl;
	CURLcode cc;
	int rc = 0;

	*status_r = 0;
	if (wlen > 0)
		where_r[0] = '\0';
	if (curl_url_check(&h, &where, url, "http", "https", err) != 0) {
		gc_err_prefix(err, "webhook url");
		return GC_EINVAL;
	}
	if (wlen > 0)
		snprintf(where_r, wlen, "%s", where);
	curl = curl_http_new(h, ca_file, timeout, errbuf, &trust);
	curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	cc = trust_perform(curl, ca_file, &trust, where, NULL, NULL);
	if (cc != CURLE_OK)
		rc = gc_err_set(err, GC_ETEMP, "webhook %s: %s", where,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status_r);
	if (rc == 0 && *status_r >= 300 && *status_r < 400)
		rc = redirected(curl, *status_r, where, err);
	curl_easy_cleanup(curl);
	curl_url_cleanup(h);
	free(where);
	return rc;
}
