/*
 * vault_rotate.h - `keys rotate`: every stored row sealed with the
 * current key, in bounded batches; and the opened attachment of
 * `ticket attachment`
 *
 * A batch is at most `limit` rows of one table, taken along its primary
 * key after *after, each opened (clear rows of before pass as they are)
 * and sealed again with the current key, in the caller's transaction:
 * the caller commits each batch, so that a rotation killed at any point
 * keeps every batch committed before, and the next run finds what is
 * left by the blobs' headers (nothing is recorded elsewhere). A row that
 * does not open (changed bytes, a key gone from the key file) is left as
 * it is, logged and counted in refused.
 */
#ifndef GC_DESK_VAULT_ROTATE_H
#define GC_DESK_VAULT_ROTATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"
#include "sql/store_sealed.h"

/* One batch of table t; *after moves to the last id seen, *done_r is
 * how many rows were taken (0: the table is done). */
int vault_rotate_batch(const struct conf *c, struct db *db,
    enum store_sealed_table t, int64_t *after, long long limit,
    size_t *done_r, size_t *refused_r, struct gc_err *err);

/* The n-th attachment of ticket number, opened: *out (malloc'd), *len_r;
 * its file name in *name_r (malloc'd, or NULL). The SHA-256 of the bytes
 * opened is checked against the one stored: GC_EINVAL when it differs. */
int vault_attachment(const struct conf *c, struct db *db,
    const char *number, long long n, unsigned char **out, size_t *len_r,
    char **name_r, struct gc_err *err);

#endif
