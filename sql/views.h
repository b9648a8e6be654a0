/*
 * views.h - read-side queries that produce the JSON documents of the
 * public contract (`ticket list|show --json`, `quarantine list --json`)
 *
 * PostgreSQL builds the JSON (json_build_object), so one round trip gives
 * the whole document. Field names are snake_case, times ISO-8601 UTC.
 * Returned strings are malloc'd; the caller frees them.
 */
#ifndef GC_VIEWS_H
#define GC_VIEWS_H

#include "common/err.h"
#include "sql/db.h"

/* One ticket with its messages and events; GC_ENOTFOUND if no such. */
int views_ticket(struct db *db, const char *number, char **json_r,
    struct gc_err *err);

/* Every ticket (without messages and events), newest first; status may be
 * NULL for all. */
int views_ticket_list(struct db *db, const char *status, char **json_r,
    struct gc_err *err);

int views_quarantine_list(struct db *db, char **json_r, struct gc_err *err);
int views_quarantine(struct db *db, long long id, char **json_r,
    struct gc_err *err);

/* Outbox rows, newest first, at most max (status NULL: all), with
 * their recipients: a JSON array. */
int views_outbox_list(struct db *db, const char *status, long long max,
    char **json_r, struct gc_err *err);

#endif
