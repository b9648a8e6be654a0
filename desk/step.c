/*
 * step.c - one piece of a scheduler batch under a savepoint (see step.h)
 */
#include "desk/step.h"

#include <string.h>

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
