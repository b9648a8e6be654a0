/*
 * mime_type.c - what a content type says: whether it is well formed,
 * whether it is the machine-readable part of a report, and which kind of
 * body text it gives
 */
#include "parsers/mime_int.h"

static bool
is_tokenchar(char ch)
{
	return (unsigned char)ch > 32 && (unsigned char)ch < 127 &&
	    strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

bool
mime_is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_tokenchar(*s))
			return false;
	return true;
}

/* The content type to act on: the declared one when it is well formed,
 * else the RFC 2045 default. */
const char *
mime_content_type(const char *v, bool digest)
{
	const char *slash = strchr(v, '/'), *q;

	if (v[0] == '\0')
		return digest ? "message/rfc822" : "text/plain";
	if (strcmp(v, "text") == 0)
		return "text/plain";
	if (slash == NULL || slash == v || slash[1] == '\0')
		return "text/plain";
	for (q = v; *q != '\0'; q++)
		if (q != slash && !is_tokenchar(*q))
			return "text/plain";
	return v;
}


bool
mime_is_report_type(const char *ct)
{
	return strcmp(ct, "message/delivery-status") == 0 ||
	    strcmp(ct, "message/global-delivery-status") == 0 ||
	    strcmp(ct, "message/disposition-notification") == 0 ||
	    strcmp(ct, "message/global-disposition-notification") == 0 ||
	    strcmp(ct, "message/feedback-report") == 0 ||
	    strcmp(ct, "text/rfc822-headers") == 0 ||
	    strcmp(ct, "message/rfc822-headers") == 0 ||
	    strcmp(ct, "message/global-headers") == 0;
}


static bool
is_enriched_type(const char *ct)
{
	return strcmp(ct, "text/enriched") == 0 ||
	    strcmp(ct, "text/richtext") == 0;
}

/* What a leaf with data gives as body text, by its type alone. */
enum kind
mime_type_kind(const char *ct)
{
	if (strcmp(ct, "text/plain") == 0)
		return K_PLAIN;
	if (strcmp(ct, "text/html") == 0)
		return K_HTML;
	if (is_enriched_type(ct))
		return K_ENRICHED;
	return K_NONE;
}

