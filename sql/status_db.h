/*
 * status_db.h - the public status page's rows: incidents, maintenance,
 * what was published, subscribers and their mails, the page's version
 *
 * Every function is one or two named prepared statements (status_db.c);
 * the page itself is made by desk/status.c from status_db_load().
 * Times are Unix seconds, 0 for SQL NULL. components is a comma
 * separated list of [status] component names, "" for all of them.
 *
 * Ownership: struct status_rows owns its strings (an arena); free it with
 * status_rows_free().
 */
#ifndef GC_SQL_STATUS_DB_H
#define GC_SQL_STATUS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"
#include "sql/db.h"

struct status_incident {
	int64_t id;
	int64_t ticket_id;
	const char *title;
	const char *components;
	time_t eta, opened_at, resolved_at;
};

struct status_maint {
	int64_t id;
	const char *title;
	const char *components;
	time_t starts_at, ends_at, created_at, cancelled_at;
};

/* kind: incident_opened, incident_update, incident_resolved,
 * maintenance, maintenance_cancelled. */
struct status_post {
	int64_t id;
	const char *kind;
	int64_t incident_id, maintenance_id;
	const char *body;
	time_t eta, at;
};

struct status_rows {
	struct arena a;
	struct status_incident *inc; size_t ninc;
	struct status_maint *mnt; size_t nmnt;
	struct status_post *posts; size_t nposts;
};

#define STATUS_MAX_POSTS 1000   /* entries of a page, the newest */

/* What the page shows at now: the open incidents and those resolved
 * since `since`, the maintenance that ends (or was cancelled) after
 * since, and the posts since then (the newest STATUS_MAX_POSTS), oldest
 * first. */
int status_db_load(struct db *db, time_t since, struct status_rows *out,
    struct gc_err *err);
/* The maintenance that ends after since, cancelled or not. */
int status_db_maint_list(struct db *db, time_t since,
    struct status_rows *out, struct gc_err *err);
void status_rows_free(struct status_rows *r);

/* The open incident of a ticket: *id_r 0 when none. */
int status_db_incident_of(struct db *db, int64_t ticket_id, int64_t *id_r,
    struct gc_err *err);
/* GC_EDUP when the ticket has an open incident already. */
int status_db_incident_new(struct db *db, int64_t ticket_id,
    const char *title, const char *components, time_t eta, time_t now,
    int64_t *id_r, struct gc_err *err);
int status_db_incident_eta(struct db *db, int64_t id, time_t eta,
    struct gc_err *err);
/* To ticket to_id, unless it has an open incident (*moved false). */
int status_db_incident_move(struct db *db, int64_t id, int64_t to_id,
    bool *moved, struct gc_err *err);
int status_db_incident_resolve(struct db *db, int64_t id, time_t now,
    struct gc_err *err);

/* Publish: a post, and the page's version bumped. eta 0: none. */
int status_db_post(struct db *db, const char *kind, int64_t incident_id,
    int64_t maintenance_id, const char *body, time_t eta, time_t now,
    struct gc_err *err);

int status_db_maint_add(struct db *db, const char *title,
    const char *components, time_t starts, time_t ends, time_t now,
    int64_t *id_r, struct gc_err *err);
/* *done false when there is no such maintenance, or it was cancelled or
 * ended already. */
int status_db_maint_cancel(struct db *db, int64_t id, time_t now,
    bool *done, struct gc_err *err);

/* *added false when the address is subscribed already. */
int status_db_subscribe(struct db *db, const char *address,
    const char *token, time_t now, bool *added, struct gc_err *err);
/* By address (token NULL) or by token (address NULL), and by a reply:
 * from the address of a subscriber who got one of the mails whose
 * Message-IDs are mids. addr_r (256 bytes, may be NULL) receives the
 * address unsubscribed, *done false when none was. */
int status_db_unsubscribe(struct db *db, const char *address,
    const char *token, time_t now, bool *done, char *addr_r,
    struct gc_err *err);
int status_db_unsubscribe_reply(struct db *db, const char *from,
    const char *const *mids, size_t nmids, time_t now, bool *done,
    struct gc_err *err);
/* The active subscribers' addresses, in order of subscription. */
int status_db_subscribers(struct db *db, char ***out, size_t *n_r,
    struct gc_err *err);

/* A mail to write: one post to one subscriber. title is the incident's
 * or the maintenance's. */
struct status_notice {
	int64_t post_id, subscriber_id;
	const char *address, *token;
	const char *kind, *body, *title, *components;
	time_t eta, at, starts_at, ends_at;
};

/* Claim at most limit mails not written yet (posts since `since` to the
 * subscribers who were subscribed then): a row each in status_notices,
 * which a second daemon's claim waits for and skips. */
int status_db_claim_notices(struct db *db, time_t since, int limit,
    time_t now, struct status_notice **out, size_t *n_r, struct arena *a,
    struct gc_err *err);
int status_db_notice_sent(struct db *db, int64_t post_id,
    int64_t subscriber_id, const char *message_id, struct gc_err *err);

/* The page's version, the version on disk, when that was written, and
 * whether a maintenance started or ended between then and now. */
struct status_state {
	int64_t version, rendered_version;
	time_t rendered_at;
	bool boundary;
};
int status_db_state(struct db *db, time_t now, struct status_state *out,
    struct gc_err *err);
int status_db_rendered(struct db *db, int64_t version, time_t now,
    struct gc_err *err);

#endif
