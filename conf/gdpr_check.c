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
	const struct conf_entry *e;

	if (s->name != NULL || g->line != 0) {
		for (size_t i = 0; i < s->nentries; i++)
			s->entries[i].used = true;
		conf_diag_add(r->d, s->file, s->line, s->name != NULL ?
		    "[gdpr] takes no name" : "section [gdpr] given twice");
		return;
	}
	g->line = s->line;
	keys_read_section(r, s, gdpr_keys, g);
	if (g->batch < 1 || g->batch > 10000) {
		e = conf_section_entry(s, "batch");
		conf_diag_add(r->d, s->file, e ? e->line : s->line,
		    "batch: %lld: expected 1 to 10000", g->batch);
		g->batch = 100;
	}
}

void
conf_free_gdpr(struct conf_gdpr *g)
{
	keys_free_secret(g->pseudonym_key);
	g->pseudonym_key = NULL;
}
