/*
 * hooks_conf.c - the [webhook NAME] sections (see hooks_conf.h)
 */
#include "conf/hooks_conf.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "conf/ini.h"

static const char *const events[] = {
	"created", "message_received", "agent_reply", "internal_note",
	"status_changed", "reopened", "validated", "auto_closed", "assigned",
	"priority_changed", "queue_changed", "marked_spam", "time_spent",
	"followed_up", "pending_reminded", "answer_held", "language_changed",
	NULL
};
#define NEVENTS (sizeof(events) / sizeof(events[0]) - 1)

/* The events' names, ", " between them, for a message: made from the
 * list, so that an event added there is named here too. */
static const char *
event_names(void)
{
	static char names[512];

	if (names[0] == '\0')
		for (size_t i = 0, o = 0; i < NEVENTS && o < sizeof(names);
		    i++)
			o += (size_t)snprintf(names + o, sizeof(names) - o,
			    "%s%s", i ? ", " : "", events[i]);
	return names;
}

/* What a [webhook] without events = gets: a ticket's life, not its
 * notes nor its housekeeping. */
static const char *const default_events[] = {
	"created", "message_received", "agent_reply", "status_changed",
	"reopened", "validated", "auto_closed", "assigned", NULL
};

#define W(f) offsetof(struct conf_webhook, f)
static const struct key_spec webhook_keys[] = {
	{ "url", V_URL_HTTP, W(url), NULL, true },
	{ "events", V_LIST, W(events), NULL, 0 },
	{ "queues", V_LIST, W(queues), NULL, 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef W

int
conf_hook_bit(const char *event)
{
	for (size_t i = 0; i < NEVENTS; i++)
		if (strcmp(events[i], event) == 0)
			return (int)i;
	return -1;
}

void
conf_hooks_read(struct reader *r, struct conf_section *s)
{
	struct conf *c = r->c;
	struct conf_webhook *w;

	if (s->name == NULL) {
		conf_diag_add(r->d, s->file, s->line, "[webhook] needs a "
		    "name: [webhook NAME]");
		for (size_t j = 0; j < s->nentries; j++)
			s->entries[j].used = true;
		return;
	}
	for (size_t i = 0; i < c->nwebhooks; i++)
		if (strcmp(c->webhooks[i].name, s->name) == 0) {
			conf_diag_add(r->d, s->file, s->line, "[webhook %s] "
			    "given twice", s->name);
			for (size_t j = 0; j < s->nentries; j++)
				s->entries[j].used = true;
			return;
		}
	c->webhooks = xrealloc(c->webhooks, (c->nwebhooks + 1) *
	    sizeof(*w));
	w = &c->webhooks[c->nwebhooks++];
	memset(w, 0, sizeof(*w));
	w->name = xstrdup(s->name);
	w->line = s->line;
	keys_read_section(r, s, webhook_keys, w);
	if (w->events.n == 0) {
		for (const char *const *e = default_events; *e; e++)
			w->mask |= 1u << conf_hook_bit(*e);
	}
	for (size_t i = 0; i < w->events.n; i++) {
		int bit = conf_hook_bit(w->events.v[i]);

		if (strcmp(w->events.v[i], "all") == 0)
			w->mask |= (1u << NEVENTS) - 1;
		else if (bit >= 0)
			w->mask |= 1u << bit;
		else
			keys_diag(r, s, "events", "events: \"%.64s\": not an "
			    "event (%s, or all)", w->events.v[i],
			    event_names());
	}
}

void
conf_hooks_free(struct conf *c)
{
	for (size_t i = 0; i < c->nwebhooks; i++) {
		keys_free_strings(&c->webhooks[i], webhook_keys);
		free(c->webhooks[i].name);
	}
	free(c->webhooks);
	c->webhooks = NULL;
	c->nwebhooks = 0;
}
