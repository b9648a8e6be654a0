/*
 * held_notice.c - a security report held as spam, told to its queue's
 * agents (see held_notice.h)
 */
#include "desk/held_notice.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/mailout.h"
#include "sla/policy.h"
#include "sql/store_message.h"
#include "sql/store_quarantine.h"

/* The entries a notice lists one by one; the others are counted. */
#define HELD_NOTICE_LISTED 20

const char *
held_notice_queue(const struct desk *in, const char *rule_queue,
    const struct conf_mailbox *mb)
{
	if (rule_queue == NULL || (strcmp(rule_queue, CONF_SECURITY_QUEUE) !=
	    0 && !conf_queue_redacted(in->conf, rule_queue)))
		return NULL;
	if (in->policy != NULL && sla_policy_queue_known(in->policy,
	    rule_queue))
		return rule_queue;
	return mb->queue;
}

/* One line per entry listed, then how many more (a line that does not
 * fit is left out: the list is a pointer to the quarantine). */
static int
entry_lines(struct buf *b, const struct store_held_entry *e, size_t n,
    const char *queue, bool fr)
{
	char at[32];

	for (size_t i = 0; i < n && i < HELD_NOTICE_LISTED; i++) {
		time_iso8601(at, sizeof(at), e[i].received_at);
		if (buf_printf(b, "  %" PRId64 "  %s  %s\n", e[i].id, at,
		    e[i].detail) != 0)
			return -1;
	}
	if (n <= HELD_NOTICE_LISTED)
		return 0;
	return buf_printf(b, fr ? "  ... et %zu autre(s) : guichet "
	    "quarantine list --queue %s\n" : "  ... and %zu more: guichet "
	    "quarantine list --queue %s\n", n - HELD_NOTICE_LISTED, queue);
}

static int
mail_agents(struct desk *in, const char *queue,
    const struct store_held_entry *e, size_t n, int *mails_r,
    struct gc_err *err)
{
	const struct conf *c = in->conf;
	struct buf list = BUF_INIT(32 * 1024);
	char count[24], first[24];
	int rc = 0;

	snprintf(count, sizeof(count), "%zu", n);
	snprintf(first, sizeof(first), "%" PRId64, e[0].id);
	for (size_t i = 0; rc == 0 && i < c->nagents; i++) {
		const struct conf_agent *a = &c->agents[i];
		struct mailout_rcpt to = { a->display_name, a->address };
		const char *lang = a->language && strcmp(a->language, "fr") ==
		    0 ? "fr" : "en";
		struct mailout_var vars[] = {
			{ "support_name", c->general.support_name },
			{ "agent_name", a->display_name ? a->display_name :
			    a->name },
			{ "queue", queue },
			{ "count", count },
			{ "first_id", first },
			{ "entries", NULL },
		};
		struct mailout_req req = {
			.template_name = "held_notice", .language = lang,
			.purpose = "held_notice", .to = &to, .nto = 1,
			.author = "system", .automatic = true,
			.generated = true, .urgent = true,
			.agent = a->name, .internal = true,
			.not_a_message = true, .id_hint = "held-notice",
			.vars = vars, .nvars = sizeof(vars) / sizeof(vars[0]),
		};
		char mid[256];

		if (!conf_agent_has_queue(a, queue))
			continue;
		buf_reset(&list);
		if (entry_lines(&list, e, n, queue, strcmp(lang, "fr") ==
		    0) != 0)
			log_warn("quarantine: the notice to %s lists only some "
			    "of the %zu held mails", a->name, n);
		vars[5].value = buf_str(&list);
		if ((rc = mailout_queue(in->out, in->db, in->now, &req, mid,
		    err)) == 0 && mails_r != NULL)
			(*mails_r)++;
	}
	buf_free(&list);
	return rc;
}

int
held_notice_send(struct desk *in, const char *queue, int *mails_r,
    struct gc_err *err)
{
	struct store_held_entry *e = NULL;
	size_t n = 0;
	int rc;

	if (!conf_queue_worked(in->conf, queue))
		return 0;
	if ((rc = store_quarantine_notice_take(in->db, queue, in->now,
	    in->now - HELD_NOTICE_EVERY, &e, &n, err)) != 0 || n == 0)
		return rc;
	rc = mail_agents(in, queue, e, n, mails_r, err);
	if (rc == 0)
		log_info("quarantine: %zu held mail(s) for the %s queue told "
		    "to its agents (the first: %" PRId64 ")", n, queue,
		    e[0].id);
	free(e);
	return rc;
}

int
held_notice_try(struct desk *in, const char *queue, struct gc_err *err)
{
	struct gc_err e = { 0 };
	int rc;

	if ((rc = db_savepoint(in->db, err)) != 0)
		return rc;
	if (held_notice_send(in, queue, NULL, &e) == 0)
		return db_release(in->db, err);
	db_rollback_to_savepoint(in->db);
	if ((rc = db_release(in->db, err)) != 0)
		return rc;
	log_warn("quarantine: the %s queue's agents are not told yet (the "
	    "scheduler tries again): %s", queue, e.msg);
	return 0;
}

int
held_notice_tick(struct desk *in, int *mails_r, struct gc_err *err)
{
	char **names = NULL;
	size_t n = 0;
	int rc;

	*mails_r = 0;
	if ((rc = store_quarantine_notice_queues(in->db, &names, &n,
	    err)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!conf_queue_worked(in->conf, names[i]))
			continue;
		if ((rc = db_begin(in->db, err)) != 0)
			break;
		if ((rc = held_notice_send(in, names[i], mails_r, err)) == 0) {
			rc = db_commit(in->db, err);
			continue;
		}
		db_rollback(in->db);
		/* a template that does not render: the other queues, and
		 * the rest of the pass, go on; the next pass tries again */
		if (db_ok(in->db)) {
			log_warn("quarantine: the %s queue's agents are not "
			    "told yet: %s", names[i], err->msg);
			rc = 0;
		}
	}
	store_strings_free(names, n);
	return rc;
}
