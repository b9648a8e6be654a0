/*
 * status_render.h - the status page's three files, made from its rows
 *
 * Pure: the rows (sql/status_db.h), the [status] section and the instant
 * in, the bytes of index.html, feed.atom or status.json out. Every text
 * that came from an agent or an operator is escaped for its format
 * (HTML, XML, JSON) and stripped of control characters; the HTML page
 * fetches nothing (inline CSS, no script, no image, no font).
 *
 * What a component's state is at now: "incident" while an open incident
 * touches it, else "maintenance" while a maintenance is under way on it,
 * else "operational". An incident or maintenance with no component
 * touches them all.
 *
 * The feed has one entry per post, the newest first, its id stable
 * (base_url + "/feed.atom#post-" + the post's number).
 */
#ifndef GC_DESK_STATUS_RENDER_H
#define GC_DESK_STATUS_RENDER_H

#include <stdbool.h>
#include <time.h>

#include "common/mem.h"
#include "conf/conf.h"
#include "sql/status_db.h"

#define STATUS_PAGE_MAX (64 * 1024 * 1024)   /* bytes of one file */

/* Each appends to out (its cap bounds it): 0, or GC_ELIMIT. */
int status_render_html(struct buf *out, const struct conf_status *cs,
    const struct status_rows *r, time_t now);
int status_render_atom(struct buf *out, const struct conf_status *cs,
    const struct status_rows *r, time_t now);
int status_render_json(struct buf *out, const struct conf_status *cs,
    const struct status_rows *r, time_t now);

/* The words of the page, the feed and the mails in a language ("fr",
 * else English): each a phrase as it is printed, its spaces and HTML
 * entities included. */
struct status_words {
	const char *lang;
	const char *st_incident, *st_maint, *st_ok;          /* a component */
	const char *all_incident, *all_maint, *all_ok;       /* the banner */
	const char *k_opened, *k_update, *k_resolved, *k_maint, *k_cancelled;
	const char *expected, *started, *resolved_at, *affects, *in_progress,
	    *completed, *from, *to, *updated;
	const char *h_components, *h_incidents, *h_maint, *h_history;
	const char *none_incident, *none_maint, *none_history, *feed;
	const char *m_affects, *m_all, *m_page;
	const char *m_footer;   /* printf: address, title, reply, token */
	const char *auto_title; /* of the incident a P1 opens */
	const char *auto_text;  /* its first post */
	const char *resolved_text; /* #incident-resolved without a text */
	/* the one-click unsubscribe page (daemon/unsub_page.c): title and
	 * text of each answer, and the button */
	const char *u_bad[2], *u_ask[2], *u_none[2], *u_done[2], *u_later[2];
	const char *u_button;
	const char *colon;      /* ": ", in French " : " */
};
const struct status_words *status_words(const char *lang);

/* What a post is, in a word or two: "Investigating", "Update"... */
const char *status_kind_label(const struct status_words *w,
    const char *kind);

/* "incident", "maintenance" or "operational". */
const char *status_component_state(const struct status_rows *r,
    const char *component, time_t now);
/* Whether a comma separated list ("" for all) touches component. */
bool status_touches(const char *components, const char *component);

#endif
