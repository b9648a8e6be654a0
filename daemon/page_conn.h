/*
 * page_conn.h - what a page of the [http] listener keeps to answer:
 * its own database connection and the agents' key
 *
 * A page runs in the listener's thread (struct db is not shared between
 * threads) and keeps copies of the config it needs, so that a reload in
 * the main thread changes nothing under it. The connection and the key
 * are made at the first request that needs them, and the connection
 * again after it broke.
 */
#ifndef GC_PAGE_CONN_H
#define GC_PAGE_CONN_H

#include <stdbool.h>

#include "common/err.h"
#include "conf/conf.h"
#include "desk/agentauth.h"
#include "sql/db.h"

struct page_conn {
	char *conninfo, *password, *hmac_key;
	struct db *db;
	struct agentauth_key key;
	bool key_loaded;
};

void page_conn_init(struct page_conn *pc, const struct conf *c);
void page_conn_clear(struct page_conn *pc);
/* The connection alone (made again after it broke). */
int page_conn_db(struct page_conn *pc, struct gc_err *err);
/* The connection and the key. */
int page_conn_ready(struct page_conn *pc, struct gc_err *err);

#endif
