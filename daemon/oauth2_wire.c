/*
 * oauth2_wire.c - OAuth2 forms, answers and SASL strings (see
 * oauth2_wire.h)
 *
 * An answer is read with jansson from a buffer that the HTTP side has
 * already capped (OAUTH2_ANSWER_MAX); what is not a JSON object is
 * told apart (HTML, empty, other) without quoting it, since a provider
 * that answers garbage may echo what we sent. Tokens are checked to be
 * bytes that a SASL string and an IMAP or SMTP command line can carry,
 * so that no answer can inject a command.
 */
#include "daemon/oauth2_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "common/util.h"

#define DESCRIPTION_MAX 200

int
oauth2_form_add(struct buf *b, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	if (value == NULL)
		return 0;
	if ((b->len > 0 && buf_addc(b, '&') != 0) || buf_addstr(b, key) != 0 ||
	    buf_addc(b, '=') != 0)
		return GC_ELIMIT;
	for (p = (const unsigned char *)value; *p; p++) {
		int rc;

		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			rc = buf_addc(b, (char)*p);
		else if (*p == ' ')
			rc = buf_addc(b, '+');
		else
			rc = buf_printf(b, "%%%c%c", hex[*p >> 4],
			    hex[*p & 15]);
		if (rc != 0)
			return GC_ELIMIT;
	}
	return 0;
}

bool
oauth2_token_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++, n++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    *s == ',' || n >= OAUTH2_TOKEN_MAX)
			return false;
	return true;
}

static char *
get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

/* A number, or a string of digits (some providers quote it). */
static long long
get_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? json_integer_value(v) : 0;
	if (json_is_real(v))
		return json_real_value(v) >= 1 && json_real_value(v) < 1e12 ?
		    (long long)json_real_value(v) : 0;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (*s != '\0' && strlen(s) <= 12 &&
		    strspn(s, "0123456789") == strlen(s))
			return strtoll(s, NULL, 10);
	}
	return 0;
}

static void
wipe(char **s)
{
	if (*s != NULL) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void
oauth2_answer_clear(struct oauth2_answer *a)
{
	wipe(&a->access_token);
	wipe(&a->refresh_token);
	wipe(&a->device_code);
	free(a->error);
	free(a->error_description);
	free(a->user_code);
	free(a->verification_uri);
	free(a->verification_uri_complete);
	memset(a, 0, sizeof(*a));
}

int
oauth2_answer_parse(struct oauth2_answer *out, const char *body,
    size_t len, struct gc_err *err)
{
	json_error_t jerr;
	json_t *o;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len && strchr(" \t\r\n", body[i]) != NULL)
		i++;
	if (i == len)
		return gc_err_set(err, GC_EPARSE, "an empty answer");
	if (body[i] == '<')
		return gc_err_set(err, GC_EPARSE, "an HTML page, not JSON "
		    "(%zu bytes)", len);
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		return gc_err_set(err, GC_EPARSE, "not JSON (%zu bytes)",
		    len);
	if (!json_is_object(o)) {
		json_decref(o);
		return gc_err_set(err, GC_EPARSE, "JSON, but not an object");
	}
	out->access_token = get_str(o, "access_token");
	out->refresh_token = get_str(o, "refresh_token");
	out->expires_in = get_int(o, "expires_in");
	out->error = get_str(o, "error");
	out->error_description = get_str(o, "error_description");
	out->device_code = get_str(o, "device_code");
	out->user_code = get_str(o, "user_code");
	out->verification_uri = get_str(o, "verification_uri");
	if (out->verification_uri == NULL)
		out->verification_uri = get_str(o, "verification_url");
	out->verification_uri_complete = get_str(o,
	    "verification_uri_complete");
	out->interval = get_int(o, "interval");
	json_decref(o);
	if (out->error != NULL) {
		str_strip_ctl(out->error);
		if (strlen(out->error) > 64)
			out->error[64] = '\0';
	}
	if (out->error_description != NULL) {
		str_strip_ctl(out->error_description);
		if (strlen(out->error_description) > DESCRIPTION_MAX)
			out->error_description[DESCRIPTION_MAX] = '\0';
	}
	if ((out->access_token != NULL &&
	    !oauth2_token_ok(out->access_token)) ||
	    (out->refresh_token != NULL &&
	    !oauth2_token_ok(out->refresh_token)) ||
	    (out->device_code != NULL &&
	    !oauth2_token_ok(out->device_code))) {
		oauth2_answer_clear(out);
		return gc_err_set(err, GC_EPARSE, "a token that is empty, "
		    "too long or holds spaces or control bytes");
	}
	if (out->user_code != NULL)
		str_strip_ctl(out->user_code);
	if (out->verification_uri != NULL)
		str_strip_ctl(out->verification_uri);
	if (out->verification_uri_complete != NULL)
		str_strip_ctl(out->verification_uri_complete);
	return 0;
}

int
oauth2_sasl(char **out, enum oauth2_mech mech, const char *user,
    const char *token, const char *host, unsigned port, struct gc_err *err)
{
	struct buf b;
	size_t n;
	char *raw, *enc;
	int rc;

	*out = NULL;
	if (user == NULL || *user == '\0' || !oauth2_token_ok(token))
		return gc_err_set(err, GC_EINVAL, "OAuth2: no user or no "
		    "usable token");
	for (const char *p = user; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f ||
		    (mech == OAUTH2_OAUTHBEARER && (*p == ',' || *p == '=')))
			return gc_err_set(err, GC_EINVAL, "OAuth2: the user "
			    "name holds bytes %s cannot carry",
			    mech == OAUTH2_XOAUTH2 ? "XOAUTH2" : "OAUTHBEARER");
	buf_init(&b, 4 * OAUTH2_TOKEN_MAX);
	if (mech == OAUTH2_XOAUTH2)
		rc = buf_printf(&b, "user=%s\001auth=Bearer %s\001\001", user,
		    token);
	else if (host != NULL)
		rc = buf_printf(&b, "n,a=%s,\001host=%s\001port=%u\001"
		    "auth=Bearer %s\001\001", user, host, port, token);
	else
		rc = buf_printf(&b, "n,a=%s,\001auth=Bearer %s\001\001", user,
		    token);
	if (rc != 0) {
		buf_free(&b);
		return gc_err_set(err, GC_ELIMIT, "OAuth2: SASL string too "
		    "long");
	}
	raw = buf_detach(&b, &n);
	enc = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)raw,
	    (int)n);
	explicit_bzero(raw, n);
	free(raw);
	*out = enc;
	return 0;
}
