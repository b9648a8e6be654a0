/*
 * scheduler.c - the scheduler pass (see scheduler.h)
 */
#include "daemon/scheduler.h"

#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/conversation.h"

#define DEFAULT_AUTO_CLOSE (7 * 86400LL)

static long long
auto_close_after(const struct conf *c)
{
	const struct conf_section *s[1];
	long long v;

	if (conf_sections(c, "sla", s, 1) > 0) {
		const char *txt = conf_section_get(s[0], "auto_close_after");

		if (txt != NULL && duration_parse(&v, txt) == 0)
			return v;
	}
	return DEFAULT_AUTO_CLOSE;
}

int
scheduler_tick(struct intake *in, struct sched_stats *st, struct gc_err *err)
{
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	rc = conversation_autoclose(in, auto_close_after(in->conf),
	    &st->closed, err);
	if (rc == 0)
		rc = db_commit(in->db, err);
	else
		db_rollback(in->db);
	if (rc == 0 && st->closed > 0)
		log_info("scheduler: %d resolved ticket(s) closed without an "
		    "answer", st->closed);
	return rc;
}
