/*
 * step.c - one piece of a scheduler batch under a savepoint (see step.h)
 */
#include "desk/step.h"

#include <string.h>

#include "common/log.h"

int
step_try(struct desk *in, step_fn *fn, void *arg, struct gc_err *failed,
    struct gc_err *err)
{
	int rc;

	memset(failed, 0, sizeof(*failed));
	if ((rc = db_savepoint(in->db, err)) != 0)
		return rc;
	if ((rc = fn(in, arg, failed)) == 0) {
		failed->code = 0;
		return db_release(in->db, err);
	}
	db_rollback_to_savepoint(in->db);
	if (!db_ok(in->db) || rc == GC_ETEMP) {
		*err = *failed;
		return rc;
	}
	if (failed->code == 0)
		failed->code = rc;
	return db_release(in->db, err);
}

int
step_turn_try(struct desk *in, const char *name, bool *mine_r,
    struct gc_err *err)
{
	int rc = db_turn_try(in->db, name, mine_r, err);

	if (rc == 0 && !*mine_r)
		log_debug("scheduler: %s: another process has their turn, and "
		    "does them", name);
	return rc;
}

int
step_turn_end(struct desk *in, const char *name, int rc, struct gc_err *err)
{
	struct gc_err e2 = { 0 };
	int r2;

	if (!db_ok(in->db))
		return rc;
	r2 = db_turn_end(in->db, name, rc == 0 ? err : &e2);
	return rc != 0 ? rc : r2;
}
