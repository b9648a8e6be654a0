/*
 * gdpr_check.c - the [gdpr] section (see gdpr_check.h)
 */
#include "conf/gdpr_check.h"

#include <stddef.h>

#define GD(f) offsetof(struct conf_gdpr, f)
static const struct key_spec gdpr_keys[] = {
	{ "retention", V_DURATION, GD(retention), "365d", 0 },
	{ "pseudonym_key_file", V_KEY, GD(pseudonym_key), NULL, 0 },
	{ "batch", V_INT, GD(batch), "100", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef GD

void
conf_read_gdpr(struct reader *r, struct conf_section *s)
{
	struct conf_gdpr *g = &r->c->gdpr;

	if (!keys_single_section(r, s, &g->line))
		return;
	keys_read_section(r, s, gdpr_keys, g);
	if (g->batch < 1 || g->batch > 10000) {
		keys_diag(r, s, "batch", "batch: %lld: expected 1 to 10000",
		    g->batch);
		g->batch = 100;
	}
}

void
conf_free_gdpr(struct conf_gdpr *g)
{
	keys_free_secret(g->pseudonym_key);
	g->pseudonym_key = NULL;
}
