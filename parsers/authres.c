/*
 * authres.c - Authentication-Results (see authres.h)
 *
 * The field is "authserv-id [version] ; method=result prop=value ... ;
 * ...", with CFWS comments in parentheses anywhere. Comments are removed
 * first; then the field is split at ';' and each resinfo at whitespace.
 */
#include "parsers/authres.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define AUTHRES_MAX 4096

/* Copy without (comments) and with controls turned into spaces. */
static void
strip_comments(char *out, size_t outlen, const char *in)
{
	size_t o = 0;
	int depth = 0;

	for (const char *p = in; *p && o + 1 < outlen; p++) {
		if (*p == '\\' && depth > 0 && p[1]) {
			p++;
			continue;
		}
		if (*p == '(') {
			depth++;
			continue;
		}
		if (*p == ')' && depth > 0) {
			depth--;
			continue;
		}
		if (depth > 0)
			continue;
		out[o++] = ((unsigned char)*p < 0x20) ? ' ' : *p;
	}
	out[o] = '\0';
}

static bool
domain_of_matches(const char *v, const char *domain)
{
	const char *at = strrchr(v, '@');
	const char *d = at ? at + 1 : v;
	size_t n = strlen(d);

	while (n > 0 && (d[n - 1] == '"' || d[n - 1] == '>'))
		n--;
	return n == strlen(domain) && str_ncasecmp(d, domain, n) == 0;
}

/* One "method=result prop=value..." resinfo. */
static bool
resinfo_passes(char *ri, const char *domain)
{
	char *save = NULL, *tok;
	bool dkim = false, spf = false, pass = false, match = false;

	for (tok = strtok_r(ri, " \t", &save); tok;
	    tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		if (!dkim && !spf) {
			/* the method=result pair comes first */
			dkim = str_casecmp(tok, "dkim") == 0;
			spf = str_casecmp(tok, "spf") == 0;
			pass = str_casecmp(eq + 1, "pass") == 0;
			if (!dkim && !spf)
				return false;
			continue;
		}
		if (dkim && (str_casecmp(tok, "header.d") == 0 ||
		    str_casecmp(tok, "header.i") == 0))
			match |= domain_of_matches(eq + 1, domain);
		if (spf && (str_casecmp(tok, "smtp.mailfrom") == 0 ||
		    str_casecmp(tok, "smtp.helo") == 0))
			match |= domain_of_matches(eq + 1, domain);
	}
	return pass && match;
}

bool
authres_pass_for_domain(const char *value, const char *authserv_id,
    const char *domain)
{
	char *buf, *save = NULL, *part, *id;
	bool first = true, ok = false;
	size_t n;

	if (value == NULL || authserv_id == NULL || domain == NULL ||
	    *authserv_id == '\0' || *domain == '\0')
		return false;
	n = strlen(value) + 1;
	if (n > AUTHRES_MAX)
		return false;
	buf = malloc(n);
	if (buf == NULL)
		return false;
	strip_comments(buf, n, value);
	for (part = strtok_r(buf, ";", &save); part && !ok;
	    part = strtok_r(NULL, ";", &save)) {
		if (first) {
			first = false;
			id = str_trim(part);
			id[strcspn(id, " \t")] = '\0';   /* drop the version */
			if (str_casecmp(id, authserv_id) != 0)
				break;
			continue;
		}
		ok = resinfo_passes(part, domain);
	}
	free(buf);
	return ok;
}
