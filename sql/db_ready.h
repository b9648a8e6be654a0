/*
 * db_ready.h - what a server and a role provide to guichet, asked before
 * the daemon needs it (`guichet check-config --connect`): whether
 * `migrate` can run, whether the role may use the schema after it, how
 * its commits reach its standbys.
 * Statements only; the connection's own settings (durability) are read
 * with the schema's check in db.c.
 */
#ifndef GC_DB_READY_H
#define GC_DB_READY_H

#include <stddef.h>

#include "common/err.h"
#include "sql/db.h"

/* Whether `guichet migrate` can run here: *why is "" when it can, else
 * what stops it (the server's version, the role's privileges, the
 * unaccent extension). */
int db_migrate_ready(struct db *db, char *why, size_t len,
    struct gc_err *err);

/* The tables and sequences of the schema this role may not read and
 * write (named, the first five): *out is "" when there is none. */
int db_grants_missing(struct db *db, char *out, size_t len,
    struct gc_err *err);

/* The standbys streaming from this server (pg_stat_replication: those a
 * role without pg_monitor sees too) into *n_r, and its
 * synchronous_standby_names into names ("" when the standbys are
 * asynchronous: a failover to one may lose the last commits). */
int db_replication(struct db *db, long long *n_r, char *names, size_t len,
    struct gc_err *err);

#endif
