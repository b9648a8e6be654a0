/*
 * incident.c - agents' #incident commands (see incident.h)
 *
 * The ticket's events say what was published and by whom
 * (incident_opened, incident_updated, incident_resolved, with the
 * incident's number); the page and the feed show the published texts
 * only.
 */
#include "desk/incident.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/util.h"
#include "desk/record.h"
#include "desk/status.h"
#include "desk/status_render.h"
#include "sql/status_db.h"

/* The words of the page's language (desk/status_render.h) */
#define WORDS(in) status_words((in)->conf->status.language)

static int
look_up(struct desk *in, const struct store_ticket *t,
    struct incident_plan *p, struct gc_err *err)
{
	int rc;

	if (p->read)
		return 0;
	if ((rc = status_db_incident_of(in->db, t->id, &p->open_id, err)))
		return rc;
	p->read = true;
	p->will_be_open = p->open_id != 0;
	return 0;
}

/* why: 'line 2: #incident: what', or in French (fr) 'ligne 2 :
 * #incident : what_fr'. Returns 1. */
static int
why_incident(char *why, size_t whylen, const struct cmd *c, bool fr,
    const char *what, const char *what_fr)
{
	snprintf(why, whylen, fr ? "ligne %d : #%s : %s" : "line %d: #%s: %s",
	    c->line, commands_name(c->kind), fr ? what_fr : what);
	return 1;
}

/* "[api, web] Title" into its components (checked) and its title. */
static int
split_title(struct desk *in, const struct cmd *c, char *comps,
    size_t complen, char **title, bool fr, char *why, size_t whylen)
{
	const char *s = c->text, *e = c->text + c->textlen;
	bool too_long;

	*title = NULL;
	comps[0] = '\0';
	if (s < e && *s == '[') {
		const char *close = memchr(s, ']', (size_t)(e - s));
		char list[CMD_TEXT_MAX + 1];

		if (close == NULL)
			return why_incident(why, whylen, c, fr, "expected "
			    "[COMPONENT,...] TITLE",
			    "attendu : [COMPOSANT,...] TITRE");
		snprintf(list, sizeof(list), "%.*s", (int)(close - s - 1),
		    s + 1);
		if (status_components(in->conf, list, comps, complen, fr, why,
		    whylen) != 0) {
			char inner[200];

			snprintf(inner, sizeof(inner), "%s", why);
			return why_incident(why, whylen, c, fr, inner, inner);
		}
		s = close + 1;
	}
	*title = status_clean_text(s, (size_t)(e - s), STATUS_TITLE_MAX,
	    &too_long);
	if (*title == NULL)
		return too_long ? why_incident(why, whylen, c, fr, "the title "
		    "is longer than 200 bytes", "le titre d\u00e9passe 200 "
		    "octets") : why_incident(why, whylen, c, fr, "expected a "
		    "TITLE", "attendu : un TITRE");
	return 0;
}

int
incident_check(struct desk *in, const struct store_ticket *t,
    const struct cmd *c, struct incident_plan *p, bool fr, char *why,
    size_t whylen, struct gc_err *err)
{
	char comps[1024], *title = NULL;
	int rc;

	if (!status_on(in->conf))
		return why_incident(why, whylen, c, fr, "there is no status "
		    "page (the config has no [status] section)", "il n'y a "
		    "pas de page d'\u00e9tat (la configuration n'a pas de "
		    "section [status])");
	if ((rc = look_up(in, t, p, err)) != 0)
		return rc;
	switch (c->kind) {
	case CMD_INCIDENT:
		rc = split_title(in, c, comps, sizeof(comps), &title, fr, why,
		    whylen);
		free(title);
		if (rc != 0)
			return rc;
		if (p->will_be_open)
			return why_incident(why, whylen, c, fr, "this ticket "
			    "has an open incident already (#incident-update "
			    "TEXT publishes an update)", "ce ticket a "
			    "d\u00e9j\u00e0 un incident ouvert "
			    "(#incident-update TEXTE publie une mise \u00e0 "
			    "jour)");
		p->will_be_open = p->opens = true;
		return 0;
	case CMD_INCIDENT_UPDATE:
	case CMD_INCIDENT_RESOLVED:
		if (!p->will_be_open)
			return why_incident(why, whylen, c, fr, "this ticket "
			    "has no open incident (#incident TITLE opens one)",
			    "ce ticket n'a pas d'incident ouvert (#incident "
			    "TITRE en ouvre un)");
		if (c->kind == CMD_INCIDENT_RESOLVED)
			p->will_be_open = false;
		return 0;
	default:
		return 0;
	}
}

static int
publish(struct desk *in, const struct store_ticket *t, const char *kind,
    const char *event, int64_t id, const char *text, time_t eta,
    const char *actor, struct incident_plan *p, struct gc_err *err)
{
	char ids[24];
	int rc;

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((rc = status_db_post(in->db, kind, id, 0, text, eta, in->now,
	    err)) != 0)
		return rc;
	p->changed = true;
	return record_event(in, t->id, event, actor, ev_json("incident", ids,
	    NULL), err);
}

int
incident_apply(struct desk *in, const struct store_ticket *t,
    const struct cmd *c, time_t eta, const char *agent,
    struct incident_plan *p, struct gc_err *err)
{
	char comps[1024], why[256], *title = NULL, *text = NULL;
	bool too_long;
	int rc;

	if ((rc = look_up(in, t, p, err)) != 0)
		return rc;
	switch (c->kind) {
	case CMD_INCIDENT:
		if (split_title(in, c, comps, sizeof(comps), &title, false,
		    why, sizeof(why)) != 0)
			return gc_err_set(err, GC_EINVAL, "%s", why);
		rc = status_db_incident_new(in->db, t->id, title, comps, eta,
		    in->now, &p->open_id, err);
		if (rc == 0)
			rc = publish(in, t, "incident_opened",
			    "incident_opened", p->open_id, title, eta, agent, p,
			    err);
		free(title);
		return rc;
	case CMD_INCIDENT_UPDATE:
	case CMD_INCIDENT_RESOLVED:
		if (p->open_id == 0)
			return gc_err_set(err, GC_EINVAL, "#%s: no open "
			    "incident", commands_name(c->kind));
		text = c->textlen ? status_clean_text(c->text, c->textlen,
		    CMD_TEXT_MAX, &too_long) : NULL;
		if (eta != 0 && (rc = status_db_incident_eta(in->db,
		    p->open_id, eta, err)) != 0) {
			free(text);
			return rc;
		}
		if (c->kind == CMD_INCIDENT_UPDATE)
			rc = publish(in, t, "incident_update",
			    "incident_updated", p->open_id, text ? text : "",
			    eta, agent, p, err);
		else if ((rc = status_db_incident_resolve(in->db, p->open_id,
		    in->now, err)) == 0 &&
		    (rc = publish(in, t, "incident_resolved",
		    "incident_resolved", p->open_id, text ? text :
		    WORDS(in)->resolved_text, 0, agent, p, err)) == 0)
			p->open_id = 0;
		free(text);
		return rc;
	default:
		return 0;
	}
}

int
incident_ticket_resolved(struct desk *in, const struct store_ticket *t,
    const char *actor, struct incident_plan *p, struct gc_err *err)
{
	int64_t id;
	int rc;

	if (!status_on(in->conf))
		return 0;
	if ((rc = look_up(in, t, p, err)) != 0 || p->open_id == 0)
		return rc;
	id = p->open_id;
	if ((rc = status_db_incident_resolve(in->db, id, in->now, err)) != 0 ||
	    (rc = publish(in, t, "incident_resolved", "incident_resolved", id,
	    WORDS(in)->resolved_text, 0, actor, p, err)) != 0)
		return rc;
	p->open_id = 0;
	return 0;
}

int
incident_ticket_merged(struct desk *in, const struct store_ticket *t,
    int64_t into_id, const char *actor, struct incident_plan *p,
    struct gc_err *err)
{
	char ids[24];
	bool moved;
	int rc;

	if (!status_on(in->conf))
		return 0;
	if ((rc = look_up(in, t, p, err)) != 0 || p->open_id == 0)
		return rc;
	if ((rc = status_db_incident_move(in->db, p->open_id, into_id, &moved,
	    err)) != 0)
		return rc;
	if (!moved)
		return incident_ticket_resolved(in, t, actor, p, err);
	snprintf(ids, sizeof(ids), "%" PRId64, p->open_id);
	p->open_id = 0;
	return record_event(in, into_id, "incident_moved_in", actor,
	    ev_json("incident", ids, NULL), err);
}

int
incident_auto_p1(struct desk *in, int64_t ticket_id,
    struct incident_plan *p, struct gc_err *err)
{
	struct store_ticket t = { .id = ticket_id };
	int rc;

	if (!status_on(in->conf) || !in->conf->status.auto_incident_p1 ||
	    p->opens)
		return 0;
	if ((rc = look_up(in, &t, p, err)) != 0 || p->open_id != 0)
		return rc;
	if ((rc = status_db_incident_new(in->db, ticket_id,
	    WORDS(in)->auto_title, "", 0, in->now, &p->open_id, err)) != 0)
		return rc;
	return publish(in, &t, "incident_opened", "incident_opened",
	    p->open_id, WORDS(in)->auto_text, 0, NULL, p, err);
}
