/*
 * oauth2_check.c - auth = oauth2 in a [mailbox] or [smtp] section (see
 * oauth2_check.h): which keys go together, and where tokens may be
 * asked for (https://, or http:// to a loopback host only, so that no
 * token or secret crosses a network in clear)
 */
#include "conf/oauth2_check.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"

/* An http:// URL is for a loopback provider only (a local test one):
 * tokens and secrets never travel in clear on a network. */
bool
conf_url_loopback_or_https(const char *url)
{
	char host[64];
	const char *h;
	size_t n;

	if (str_ncasecmp(url, "https://", 8) == 0)
		return true;
	if (str_ncasecmp(url, "http://", 7) != 0)
		return false;
	h = url + 7;
	/* the host ends the authority, or the whole URL */
	n = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/?#");
	if (n >= sizeof(host) || strchr(":/?#", h[n]) == NULL)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	return host_is_loopback(host);
}

/* auth = password | oauth2, and the oauth2_* keys that go with it.
 * mailbox: a password_file is needed unless auth = oauth2. */
void
conf_check_oauth2(struct reader *r, const struct conf_section *s,
    struct conf_oauth2 *o, bool mailbox)
{
	static const char *const needed[] = { "oauth2_token_url",
		"oauth2_client_id", "oauth2_refresh_token_file", NULL };
	const struct conf_entry *e = conf_section_entry(s, "auth");
	const char *sect = mailbox ? "mailbox " : "smtp";
	const char *name = mailbox ? s->name : "";
	int line = e ? e->line : s->line;

	if (strcmp(o->auth, "password") != 0 &&
	    strcmp(o->auth, "oauth2") != 0) {
		conf_diag_add(r->d, s->file, line, "auth: \"%s\": expected "
		    "password or oauth2", o->auth);
		return;
	}
	o->on = strcmp(o->auth, "oauth2") == 0;
	if (!o->on) {
		for (size_t i = 0; i < s->nentries; i++)
			if (strncmp(s->entries[i].key, "oauth2_", 7) == 0)
				conf_diag_add(r->d, s->file,
				    s->entries[i].line, "%s: only with auth "
				    "= oauth2", s->entries[i].key);
		if (mailbox && conf_section_entry(s, "password_file") == NULL)
			conf_diag_add(r->d, s->file, s->line, "[%s%s]: "
			    "missing key \"password_file\" (or auth = "
			    "oauth2)", sect, name);
		return;
	}
	for (const char *const *k = needed; *k; k++)
		if (conf_section_entry(s, *k) == NULL)
			conf_diag_add(r->d, s->file, line, "[%s%s]: auth = "
			    "oauth2 needs %s", sect, name, *k);
	if ((e = conf_section_entry(s, "password_file")) != NULL)
		conf_diag_add(r->d, s->file, e->line, "password_file: not "
		    "used with auth = oauth2 (remove one of them)");
	if (strcmp(o->mechanism, "xoauth2") != 0 &&
	    strcmp(o->mechanism, "oauthbearer") != 0) {
		e = conf_section_entry(s, "oauth2_mechanism");
		conf_diag_add(r->d, s->file, e ? e->line : line,
		    "oauth2_mechanism: \"%s\": expected xoauth2 or "
		    "oauthbearer", o->mechanism);
	}
	for (int i = 0; i < 2; i++) {
		const char *key = i ? "oauth2_device_url" : "oauth2_token_url";
		const char *url = i ? o->device_url : o->token_url;

		if (url != NULL && !conf_url_loopback_or_https(url))
			conf_diag_add(r->d, s->file,
			    conf_section_entry(s, key)->line, "%s: https:// "
			    "is needed (http:// only for a loopback address)",
			    key);
	}
	if (!mailbox && r->c->smtp.user == NULL)
		conf_diag_add(r->d, s->file, line, "[smtp]: auth = oauth2 "
		    "needs user (the account the token is for)");
	if (!mailbox && r->c->smtp.tls_none)
		conf_diag_add(r->d, s->file, line, "[smtp]: auth = oauth2 "
		    "with tls = none would send the token in clear text");
}

