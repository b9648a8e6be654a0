/*
 * store_setting.h - settings shared by every daemon on the database, such
 * as the key agents' tokens are signed with
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_SETTING_H
#define GC_SQL_STORE_SETTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* A shared setting (bytea); GC_ENOTFOUND when absent. */
int store_setting_get(struct db *db, const char *key, unsigned char *out,
    size_t max, size_t *len_r, struct gc_err *err);
/* Insert unless present (the first writer wins). */
int store_setting_put_new(struct db *db, const char *key,
    const unsigned char *v, size_t len, struct gc_err *err);

#endif
