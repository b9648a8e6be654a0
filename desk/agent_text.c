/*
 * agent_text.c - an agent's answer written at the command line (see
 * agent_text.h)
 */
#include "desk/agent_text.h"

#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "desk/agent.h"
#include "desk/dedup.h"
#include "desk/record.h"
#include "desk/reply.h"
#include "desk/timers.h"
#include "notify/compose.h"
#include "parsers/commands.h"
#include "parsers/mime.h"
#include "parsers/utf8.h"
#include "sql/store_mailbox.h"
#include "sql/store_ticket.h"

/* What the operator wrote, refused before anything is made of it. */
static int
check_text(const struct desk *in, const struct agent_text *a,
    struct gc_err *err)
{
	const char *nul = memchr(a->text, '\0', a->len);
	size_t max = (size_t)in->conf->general.max_text_size;
	size_t line = 1;

	if (nul != NULL) {
		for (const char *p = a->text; p < nul; p++)
			line += *p == '\n';
		return gc_err_set(err, GC_EINVAL, "line %zu: a NUL byte: the "
		    "text is not text", line);
	}
	if (!utf8_valid(a->text, a->len))
		return gc_err_set(err, GC_EINVAL, "the text is not UTF-8");
	if (max > 0 && a->len > max)
		return gc_err_set(err, GC_ELIMIT, "the text is %zu bytes, "
		    "max_text_size is %zu: by mail it would be cut, here "
		    "nothing is sent", a->len, max);
	return 0;
}

/* The raw mail the agent's client would have sent. */
static int
make_mail(struct desk *in, const struct agent_text *a,
    const struct store_ticket *t, const struct conf_mailbox *mb,
    struct arena *ar, struct buf *raw, const char **mid_r,
    struct gc_err *err)
{
	struct compose_addr to = { in->conf->general.support_name,
		mb->address };
	struct compose_msg msg = {
		.from = { a->agent->display_name, a->agent->address },
		.to = &to, .nto = 1,
		.subject = arena_printf(ar, "Re: [%s] %s", t->number,
		    t->subject ? t->subject : ""),
		.body = arena_strndup(ar, a->text, a->len),
		.date = in->now,
		.attachments = a->files, .nattachments = a->nfiles,
	};

	msg.message_id = compose_message_id(ar,
	    in->conf->general.message_id_domain, "cli");
	*mid_r = msg.message_id;
	return compose_message(raw, &msg, err);
}

/* Whether the text's commands ask for #help, checked as agent_mail()
 * will read them; a block that does not parse is the call's error. */
static int
asks_help(const struct mail *m, bool *help_r, struct gc_err *err)
{
	struct cmd_list cmds;
	char why[320];

	*help_r = false;
	if (commands_parse(&cmds, record_new_text(m), why, sizeof(why)) != 0)
		return gc_err_set(err, GC_EINVAL, "%s", why);
	for (size_t i = 0; i < cmds.n; i++)
		*help_r |= cmds.v[i].kind == CMD_HELP;
	if (cmds.n == 0 && record_new_text(m)[0] == '\0' && m->nattachments
	    == 0)
		return gc_err_set(err, GC_EINVAL, "nothing to do: no command, "
		    "no text, no file");
	return 0;
}

/* The ticket the number names, open to this agent. */
static int
ticket_of(struct desk *in, const struct agent_text *a,
    struct store_ticket *t, struct gc_err *err)
{
	int rc = store_ticket_by_number(in->db, a->number, t, err);

	if (rc == GC_ENOTFOUND) {
		gc_err_clear(err);
		return gc_err_set(err, GC_ENOTFOUND, "no ticket %.64s",
		    a->number);
	}
	if (rc != 0)
		return rc;
	if (t->merged_into != 0) {
		struct store_ticket into = { 0 };

		if ((rc = store_ticket_by_id(in->db, t->merged_into, &into,
		    err)) != 0)
			return rc;
		rc = gc_err_set(err, GC_EINVAL, "%s was merged into %s: "
		    "answer there", t->number, into.number);
		store_ticket_clear(&into);
		return rc;
	}
	if (!conf_agent_has_queue(a->agent, t->queue))
		return gc_err_set(err, GC_EAUTH, "agent %s does not work on "
		    "queue %s, the queue of %s", a->agent->name, t->queue,
		    t->number);
	return 0;
}

int
agent_text(struct desk *in, const struct agent_text *a,
    struct intake_result *res, bool *help_r, struct gc_err *err)
{
	struct store_ticket t = { 0 };
	const struct conf_mailbox *mb;
	struct mail_limits lim = mail_limits_default();
	struct buf raw = BUF_INIT((size_t)in->conf->general.max_mail_size);
	struct arena ar;
	struct mail *m = NULL;
	char key[DEDUP_KEY_LEN + 1];
	const char *where, *mid = NULL;
	int64_t tid;
	bool ours, terminal = in->terminal;
	int rc;

	memset(res, 0, sizeof(*res));
	*help_r = false;
	arena_init(&ar, 4096);
	if ((rc = check_text(in, a, err)) != 0 ||
	    (rc = ticket_of(in, a, &t, err)) != 0)
		goto out;
	mb = reply_mailbox(in->conf, &t, NULL);
	if (mb == NULL) {
		rc = gc_err_set(err, GC_ECONFIG, "no [mailbox] in the config "
		    "to write as");
		goto out;
	}
	if ((rc = make_mail(in, a, &t, mb, &ar, &raw, &mid, err)) != 0) {
		if (rc == GC_ELIMIT)
			gc_err_set(err, GC_ELIMIT, "the mail with its files "
			    "would be over max_mail_size (%lld bytes)",
			    in->conf->general.max_mail_size);
		goto out;
	}
	lim.max_mail_bytes = raw.len + 1;
	lim.max_text_bytes = 3 * raw.len + 65536;
	if ((rc = mail_parse(&m, raw.data, raw.len, &lim, err)) != 0)
		goto out;
	if ((rc = asks_help(m, help_r, err)) != 0 || *help_r)
		goto out;
	snprintf(res->number, sizeof(res->number), "%s", t.number);
	snprintf(res->message_id, sizeof(res->message_id), "%s", mid);
	res->ticket_id = t.id;
	dedup_key(key, raw.data, raw.len, m->message_id,
	    mail_header_get(m, "From"), mail_header_get(m, "Date"),
	    mail_header_get(m, "Subject"));
	if ((rc = store_claim(in->db, key, m->message_id, &where, &tid, &ours,
	    err)) != 0)
		goto out;
	{
		struct conv_mail cm = { mb, m, raw.data, raw.len, 0, key,
		    NULL, false, NULL, false, false };

		in->terminal = true;
		rc = agent_mail(in, &cm, &t, a->agent, a->how ? a->how :
		    "command line", res, err);
		in->terminal = terminal;
	}
	if (rc == 0)
		rc = timers_refresh(in, t.id, err);
	if (rc == 0)
		rc = db_flush(in->db, err);
out:
	mail_free(&m);
	buf_free(&raw);
	arena_free(&ar);
	store_ticket_clear(&t);
	return rc;
}
