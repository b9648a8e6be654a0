/*
 * digest_conf.c - the [digest] section (see digest_conf.h)
 */
#include "conf/digest_conf.h"

#include <stddef.h>
#include <string.h>

#define D(f) offsetof(struct conf_digest, f)
static const struct key_spec digest_keys[] = {
	{ "at", V_STR, D(at), "none", 0 },
	{ "max_tickets", V_INT, D(max_tickets), "50", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef D

/* "HH:MM" as minutes after midnight, or -1. */
static int
clock_minutes(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':' || strspn(s, "0123456789:") != 5 ||
	    s[0] > '2' || (s[0] == '2' && s[1] > '3') || s[3] > '5')
		return -1;
	return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 +
	    (s[3] - '0') * 10 + (s[4] - '0');
}

void
conf_digest_read(struct reader *r, struct conf_section *s)
{
	struct conf_digest *d = &r->c->digest;

	if (!keys_single_section(r, s, &d->line))
		return;
	keys_read_section(r, s, digest_keys, d);
	d->at_minutes = -1;
	if (d->at != NULL && strcmp(d->at, "none") != 0 &&
	    (d->at_minutes = clock_minutes(d->at)) < 0)
		keys_diag(r, s, "at", "at: \"%.40s\": expected a time of day "
		    "as HH:MM (00:00 to 23:59), or none", d->at);
	if (d->max_tickets < 1 || d->max_tickets > 1000) {
		keys_diag(r, s, "max_tickets", "max_tickets: %lld: expected 1 "
		    "to 1000", d->max_tickets);
		d->max_tickets = 50;
	}
}

void
conf_digest_free(struct conf_digest *d)
{
	keys_free_strings(d, digest_keys);
}
