/*
 * status_conf.c - the [status] section (see status_conf.h)
 *
 * A component's name appears on the page, in the feed and in agents'
 * commands (#incident [api,web] TITLE): letters, digits, - _ and . only,
 * at most STATUS_MAX_COMPONENTS of them, each once.
 */
#include "conf/status_conf.h"

#include <stddef.h>
#include <string.h>

#include "common/util.h"
#include "conf/ini.h"

#define S(f) offsetof(struct conf_status, f)
static const struct key_spec status_keys[] = {
	{ "dir", V_PATH, S(dir), NULL, true },
	{ "title", V_STR, S(title), "Service status", 0 },
	{ "base_url", V_URL_HTTP, S(base_url), NULL, 0 },
	{ "components", V_LIST, S(components), NULL, 0 },
	{ "auto_incident_p1", V_BOOL, S(auto_incident_p1), "no", 0 },
	{ "language", V_LANG, S(language), NULL, 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef S

static bool
valid_component(const char *s)
{
	return strlen(s) <= 40 && ini_valid_ident(s);
}

void
conf_status_read(struct reader *r, struct conf_section *s)
{
	struct conf_status *st = &r->c->status;
	const struct conf_entry *e;
	int line;

	if (!keys_single_section(r, s, &st->line))
		return;
	keys_read_section(r, s, status_keys, st);
	e = conf_section_entry(s, "components");
	line = e ? e->line : s->line;
	if (st->components.n > STATUS_MAX_COMPONENTS)
		conf_diag_add(r->d, s->file, line, "components: at most %d",
		    STATUS_MAX_COMPONENTS);
	for (size_t i = 0; i < st->components.n; i++) {
		const char *c = st->components.v[i];

		if (!valid_component(c))
			conf_diag_add(r->d, s->file, line, "components: \"%s\": "
			    "a component's name is 1 to 40 letters, digits, "
			    "- _ and .", c);
		for (size_t k = 0; k < i; k++)
			if (str_casecmp(st->components.v[k], c) == 0)
				conf_diag_add(r->d, s->file, line, "components: "
				    "\"%s\" given twice", c);
	}
	e = conf_section_entry(s, "title");
	if (st->title != NULL && strlen(st->title) > 200)
		conf_diag_add(r->d, s->file, e ? e->line : s->line,
		    "title: at most 200 bytes");
}

void
conf_status_free(struct conf_status *st)
{
	keys_free_strings(st, status_keys);
}
