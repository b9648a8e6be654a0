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

/* What a post is, in a word or two: "Investigating", "Update"... */
const char *status_kind_label(const char *kind);

/* "incident", "maintenance" or "operational". */
const char *status_component_state(const struct status_rows *r,
    const char *component, time_t now);
/* Whether a comma separated list ("" for all) touches component. */
bool status_touches(const char *components, const char *component);

#endif
