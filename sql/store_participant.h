/*
 * store_participant.h - who takes part in a ticket's conversation: its
 * requester and the people in copy
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_PARTICIPANT_H
#define GC_SQL_STORE_PARTICIPANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

struct store_participant {
	char *address;          /* lowercased */
	char *name;             /* may be NULL */
	char role[16];          /* "requester" | "cc" */
};

int store_participant_add(struct db *db, int64_t ticket_id,
    const char *address, const char *name, const char *role, time_t now,
    struct gc_err *err);
/* *out is malloc'd; free with store_participants_free(). */
int store_participants(struct db *db, int64_t ticket_id,
    struct store_participant **out, size_t *n_r, struct gc_err *err);
void store_participants_free(struct store_participant **p, size_t n);

#endif
