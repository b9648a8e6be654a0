/*
 * store_org.h - the organisations imported from CSV, and the one a
 * sender belongs to (its plan, language and CSM qualify the ticket)
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_ORG_H
#define GC_SQL_STORE_ORG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* ----- Organisations imported from CSV ------------------------------ */

struct store_org {
	char name[128];
	char plan[32];
	char language[8];
	char csm[256];
};
/* Whether any organisation was imported. */
int store_orgs_any(struct db *db, bool *any_r, struct gc_err *err);
/* The first of keys (most specific first) that names an imported
 * organisation; GC_ENOTFOUND if none. */
int store_org_lookup(struct db *db, const char *const *keys, size_t n,
    struct store_org *out, struct gc_err *err);
/* The imported organisation of this exact name; GC_ENOTFOUND if none. */
int store_org_named(struct db *db, const char *name, struct store_org *out,
    struct gc_err *err);
/* Insert or update one organisation and its keys (idempotent). */
int store_org_upsert(struct db *db, const char *name, const char *plan,
    const char *language, const char *csm, const char *const *keys,
    size_t nkeys, time_t now, bool *created_r, struct gc_err *err);

#endif
