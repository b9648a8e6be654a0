/*
 * page_conn.c - a page's connection and key (see page_conn.h)
 */
#include "daemon/page_conn.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

void
page_conn_init(struct page_conn *pc, const struct conf *c)
{
	memset(pc, 0, sizeof(*pc));
	pc->conninfo = xstrdup(c->database.conninfo);
	pc->password = c->database.password ? xstrdup(c->database.password) :
	    NULL;
	pc->hmac_key = c->general.hmac_key ? xstrdup(c->general.hmac_key) :
	    NULL;
}

void
page_conn_clear(struct page_conn *pc)
{
	db_close(&pc->db);
	free(pc->conninfo);
	free(pc->password);
	free(pc->hmac_key);
	memset(pc, 0, sizeof(*pc));
}

int
page_conn_db(struct page_conn *pc, struct gc_err *err)
{
	int rc;

	if (db_ok(pc->db))
		return 0;
	db_close(&pc->db);
	/* the schema's check also makes the page's writes (a rating, an
	 * unsubscription) durable when they return (sql/db.h) */
	if ((rc = db_connect(&pc->db, pc->conninfo, pc->password, err)) == 0 &&
	    (rc = db_schema_check(pc->db, err)) != 0)
		db_close(&pc->db);
	return rc;
}

int
page_conn_ready(struct page_conn *pc, struct gc_err *err)
{
	int rc;

	if ((rc = page_conn_db(pc, err)) != 0)
		return rc;
	if (!pc->key_loaded) {
		struct conf c = { 0 };

		c.general.hmac_key = pc->hmac_key;
		if ((rc = agentauth_key_load(&pc->key, &c, pc->db, err)) != 0)
			return rc;
		pc->key_loaded = true;
	}
	return 0;
}
