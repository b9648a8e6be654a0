/*
 * intake.c - one incoming mail into the database (see intake.h)
 *
 * The order of the steps matters:
 *  1. limits and parsing: what cannot be parsed goes to the quarantine;
 *  2. the dedup key is locked (pg_advisory_xact_lock) and looked up, so
 *     two daemons or the pipe and IMAP never store the same mail twice;
 *  3. the conversation decides what the mail does (conversation.c):
 *     a new ticket, a follow-up, an agent's reply, a stranger kept out;
 *     messages, events and our answers are written.
 * Everything happens under one savepoint: a failure in 3 (other than the
 * database going away) rolls the mail's writes back and quarantines it.
 */
#include "desk/intake.h"

#include <inttypes.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/conversation.h"
#include "desk/dedup.h"
#include "desk/mailout.h"
#include "desk/pgp.h"
#include "desk/status.h"
#include "desk/record.h"
#include "desk/thread.h"
#include "desk/timers.h"
#include "parsers/auto.h"
#include "parsers/bounce.h"
#include "parsers/mime.h"
#include "sql/db.h"
#include "sql/store_mailbox.h"
#include "sql/store_quarantine.h"
#include "sql/store_ticket.h"

const char *
intake_outcome_name(enum intake_outcome o)
{
	switch (o) {
	case INTAKE_NEW_TICKET: return "new ticket";
	case INTAKE_FOLLOWUP: return "follow-up";
	case INTAKE_DUPLICATE: return "duplicate";
	case INTAKE_QUARANTINED: return "quarantined";
	case INTAKE_DROPPED: return "dropped";
	}
	return "?";
}

const char *
intake_outcome_key(enum intake_outcome o)
{
	switch (o) {
	case INTAKE_NEW_TICKET: return "ticket";
	case INTAKE_FOLLOWUP: return "followup";
	case INTAKE_DUPLICATE: return "duplicate";
	case INTAKE_QUARANTINED: return "quarantine";
	case INTAKE_DROPPED: return "loop_suppressed";
	}
	return "?";
}

void
intake_log(const char *mailbox, uint32_t uid, const struct intake_result *res)
{
	struct log_fields lf = { mailbox, uid, res->message_id, res->number,
		intake_outcome_key(res->outcome) };
	char at[32] = "";

	if (uid != 0)
		snprintf(at, sizeof(at), " uid %" PRIu32, uid);
	log_set_fields(&lf);
	log_info("mailbox %s%s: %s %s <%s>%s%s", mailbox, at,
	    intake_outcome_name(res->outcome),
	    res->number[0] ? res->number : "-",
	    res->message_id[0] ? res->message_id : "no message-id",
	    res->reason[0] ? ": " : "", res->reason);
	log_set_fields(NULL);
}

int
intake_alone(struct desk *in, const struct conf_mailbox *mb, const char *raw,
    size_t len, struct intake_result *res, struct gc_err *err)
{
	int rc = 0;

	/* first without a savepoint (two round trips fewer), as a batch of
	 * one; a write that fails makes the mail go round again with its
	 * savepoint, where a failure puts it in the quarantine */
	for (int careful = 0; careful < 2; careful++) {
		in->careful = careful;
		if ((rc = db_begin(in->db, err)) != 0)
			return rc;
		rc = intake_mail(in, mb, raw, len, 0, res, err);
		if (rc == 0 && !careful)
			rc = db_flush(in->db, err);   /* deferred writes */
		if (rc == 0)
			rc = db_commit(in->db, err);
		else
			db_rollback(in->db);
		if (rc == 0 || rc == GC_ETEMP || careful || !db_ok(in->db))
			break;
		log_debug("mailbox %s: %s: the mail is taken again with its "
		    "savepoint", mb->name, err->msg);
		gc_err_clear(err);
	}
	return rc;
}

/* A copy of a mail already stored (where: "message" or "quarantine"). */
static int
duplicate(struct desk *in, struct intake_result *res, const char *where,
    int64_t ticket_id, struct gc_err *err)
{
	struct store_ticket t = { 0 };

	res->outcome = INTAKE_DUPLICATE;
	res->ticket_id = ticket_id;
	snprintf(res->reason, sizeof(res->reason), "already in the %s",
	    strcmp(where, "message") == 0 ? "tickets" : "quarantine");
	if (ticket_id != 0 && store_ticket_by_id(in->db, ticket_id, &t,
	    err) == 0) {
		snprintf(res->number, sizeof(res->number), "%s", t.number);
		store_ticket_clear(&t);
	}
	gc_err_clear(err);
	return 0;
}

static int
quarantine(struct desk *in, const struct conf_mailbox *mb, const char *raw,
    size_t len, uint32_t uid, const char *key, const char *reason,
    const char *detail, struct intake_result *res, struct gc_err *err)
{
	struct store_quarantine q = {
		.mailbox = mb->name, .reason = reason, .detail = detail,
		.raw = raw, .raw_len = len, .dedup_key = key,
		.imap_uid = uid, .now = in->now,
	};
	const char *where;
	int64_t tid;
	bool ours;
	int rc;

	/* A copy of a mail already quarantined (re-fetched after a crash
	 * before the IMAP move) is not quarantined twice. */
	if ((rc = store_claim(in->db, key, NULL, &where, &tid, &ours,
	    err)) != 0)
		return rc;
	if (where != NULL)
		return duplicate(in, res, where, tid, err);
	if ((rc = record_quarantine(in, &q, &res->quarantine_id,
	    err)) != 0)
		return rc;
	res->outcome = INTAKE_QUARANTINED;
	snprintf(res->reason, sizeof(res->reason), "%s%s%s", reason,
	    detail ? ": " : "", detail ? detail : "");
	return 0;
}

int
intake_tell_too_big(struct desk *in, const struct conf_mailbox *mb,
    const char *header, size_t hlen, size_t size, struct gc_err *err)
{
	struct mail_limits lim = mail_limits_default();
	struct mail *m = NULL;
	struct gc_err perr = { 0 };
	char sizes[32], max[32];
	const char *why = NULL;
	int rc = 0;

	lim.max_mail_bytes = hlen + 2;
	if (mail_parse(&m, header, hlen, &lim, &perr) != 0)
		return 0;
	if (m->from.addr != NULL &&
	    !conf_is_our_address(in->conf, m->from.addr) &&
	    auto_classify(m, &why) == AUTO_NONE) {
		struct mailout_rcpt to = { m->from.name, m->from.addr };
		struct mailout_var vars[] = {
			{ "support_name", in->conf->general.support_name },
			{ "mailbox_address", mb->address },
			{ "requester_name", m->from.name ? m->from.name :
			    m->from.addr },
			{ "requester_address", m->from.addr },
			{ "subject", m->subject },
			{ "max_size", max },
			{ "message_size", sizes },
		};
		struct mailout_req req = {
			.template_name = "size_limit", .language =
			    mb->language, .purpose = "size_limit", .to = &to,
			.nto = 1, .reply_to = mb->address, .in_reply_to =
			    m->message_id, .author = "system",
			.automatic = true, .capped = true, .vars = vars,
			.nvars = sizeof(vars) / sizeof(vars[0]),
		};
		char mid[256];

		bool fr = mb->language != NULL &&
		    strcmp(mb->language, "fr") == 0;

		size_text(sizes, sizeof(sizes), size, fr);
		size_text(max, sizeof(max), (unsigned long long)
		    in->conf->general.max_mail_size, fr);
		rc = mailout_queue(in->out, in->db, in->now, &req, mid, err);
	}
	mail_free(&m);
	return rc;
}

/* A mail too big to take: quarantined whole, and its sender told (from
 * its header block alone). */
static int
too_big(struct desk *in, const struct conf_mailbox *mb, const char *raw,
    size_t len, uint32_t uid, const char *key, struct intake_result *res,
    struct gc_err *err)
{
	char detail[128];
	size_t hlen = 0;
	int rc;

	snprintf(detail, sizeof(detail), "%zu bytes, the limit is %lld", len,
	    in->conf->general.max_mail_size);
	if ((rc = quarantine(in, mb, raw, len, uid, key, "size", detail, res,
	    err)) != 0 || res->outcome != INTAKE_QUARANTINED)
		return rc;
	while (hlen + 1 < len && hlen < (size_t)in->conf->general.
	    max_header_size && !(raw[hlen] == '\n' && (raw[hlen + 1] == '\n' ||
	    (raw[hlen + 1] == '\r' && hlen + 2 < len && raw[hlen + 2] == '\n'))))
		hlen++;
	return intake_tell_too_big(in, mb, raw, hlen + 1, len, err);
}

const char *
intake_sender(const struct mail *m)
{
	if (m->from.addr != NULL)
		return m->from.addr;
	if (m->nreply_to > 0 && m->reply_to[0].addr != NULL)
		return m->reply_to[0].addr;
	if (m->sender != NULL && m->sender[0] != '\0')
		return m->sender;
	if (m->return_path != NULL && m->return_path[0] != '\0')
		return m->return_path;
	return NULL;
}

/* A report to [pgp]'s mailbox encrypted: *m becomes the clear mail; one
 * that cannot be decrypted is quarantined with why, and its sender told;
 * GC_ETEMP when GnuPG failed on our side. */
static int
pgp_intake(struct desk *in, const struct conf_mailbox *mb, const char *raw,
    size_t len, uint32_t uid, const struct mail_limits *lim, struct mail **m,
    struct intake_result *res, bool *done_r, struct gc_err *err)
{
	char key[DEDUP_KEY_LEN + 1];
	struct gc_err perr = { 0 };
	bool clear;
	int rc;

	*done_r = false;
	if ((rc = pgp_open_mail(in->conf, mb, raw, lim, m, &clear,
	    &perr)) == 0)
		return 0;
	*done_r = true;
	if (rc == GC_ETEMP)     /* ours to fix: the mail waits */
		return gc_err_set(err, GC_ETEMP, "%s", perr.msg);
	dedup_key(key, raw, len, (*m)->message_id, mail_header_get(*m,
	    "From"), mail_header_get(*m, "Date"), mail_header_get(*m,
	    "Subject"));
	log_warn("mailbox %s uid %" PRIu32 ": %s: quarantined", mb->name, uid,
	    perr.msg);
	if ((rc = quarantine(in, mb, raw, len, uid, key, "pgp", perr.msg, res,
	    err)) == 0 && res->outcome == INTAKE_QUARANTINED)
		rc = pgp_ack_failed(in, mb, *m, perr.msg, err);
	return rc;
}

/* Everything after the claim of cm (where, tid and ours its answers),
 * under the mail's savepoint. */
static int
claimed(struct desk *in, struct conv_mail *cm, const char *where,
    int64_t tid, bool ours, struct intake_result *res, struct gc_err *err)
{
	const struct mail *m = cm->m;
	const char *why = NULL;
	struct bounce b;
	bool taken;
	int rc;

	if (where != NULL)
		return duplicate(in, res, where, tid, err);
	/* Our own mail come back (a forward loop, a list echo): never
	 * answered, never a ticket; the copy stays in processed_folder. */
	if (ours || conf_is_our_address(in->conf, m->from.addr)) {
		res->outcome = INTAKE_DROPPED;
		snprintf(res->reason, sizeof(res->reason), "%s", ours ?
		    "our own mail come back" : "sent from our own address");
		return 0;
	}
	if (bounce_detect(&b, mail_arena((struct mail *)m), m) &&
	    b.kind != BOUNCE_NONE) {
		cm->automatic = "delivery report";
		rc = conversation_bounce(in, cm, &b, res, err);
		res->bounce = rc == 0 && res->outcome == INTAKE_FOLLOWUP;
		return rc;
	}
	if (intake_sender(m) == NULL)
		return quarantine(in, cm->mb, cm->raw, cm->len, cm->uid, cm->key,
		    "no sender",
		    "the mail has no usable From:, Reply-To:, Sender: or "
		    "Return-Path: address", res, err);
	if (m->from.addr == NULL) {
		/* the ticket's requester from the next best header */
		struct mail *mm = (struct mail *)m;

		mm->from.addr = intake_sender(m);
	}
	if (auto_classify_not_bounce(m, &why) != AUTO_NONE)
		cm->automatic = why;
	if ((rc = status_mail_in(in, cm, res, &taken, err)) != 0 || taken)
		return rc;
	if ((rc = conversation_handle(in, cm, res, err)) != 0)
		return rc;
	/* whatever the mail changed, the ticket's timers follow (a new
	 * ticket's were set when it was opened) */
	if (res->ticket_id != 0 && res->outcome == INTAKE_FOLLOWUP &&
	    (rc = timers_refresh(in, res->ticket_id, err)) != 0)
		return rc;
	/* deferred writes fail here, for this mail, when each mail has its
	 * savepoint; a fast batch learns of them later and is redone */
	return in->careful ? db_flush(in->db, err) : 0;
}

/* Everything after parsing: the claim, with the ticket the subject's
 * first tag numbers read in its round trip (a follow-up's threading
 * needs it next), then the rest. */
static int
store_parsed(struct desk *in, const struct conf_mailbox *mb,
    const struct mail *m, const char *raw, size_t len, uint32_t uid,
    const char *key, struct intake_result *res, struct gc_err *err)
{
	struct store_ticket t = { 0 };
	struct desk_tagged tagged = { "", false, &t };
	struct conv_mail cm = { mb, m, raw, len, uid, key, NULL, false,
	    &tagged, false, false };
	const char *where;
	bool ours = false;
	int64_t tid;
	int rc;

	thread_first_tag(m->subject, tagged.token, sizeof(tagged.token));
	if ((rc = store_claim_tagged(in->db, key, m->message_id,
	    tagged.token[0] ? tagged.token : NULL, intake_sender(m), &where,
	    &tid, &ours, &cm.blocked, &t, &tagged.found, err)) != 0)
		return rc;
	rc = claimed(in, &cm, where, tid, ours, res, err);
	store_ticket_clear(&t);
	return rc;
}

int
intake_mail(struct desk *in, const struct conf_mailbox *mb,
    const char *raw, size_t len, uint32_t uid, struct intake_result *res,
    struct gc_err *err)
{
	char key[DEDUP_KEY_LEN + 1] = "";
	struct mail_limits lim;
	struct mail *m = NULL;
	struct gc_err perr = { 0 };
	double t0;
	long long ms;
	bool pgp_done;
	int rc;

	memset(res, 0, sizeof(*res));
	if (in->careful && (rc = db_savepoint(in->db, err)) != 0)
		return rc;
	lim = record_mail_limits(in->conf, len);
	if (len > (size_t)in->conf->general.max_mail_size) {
		dedup_raw_message_id(res->message_id, sizeof(res->message_id),
		    raw, len);
		dedup_key_raw(key, raw, len);
		rc = too_big(in, mb, raw, len, uid, key, res, err);
		goto out;
	}
	t0 = mono_seconds();
	rc = mail_parse(&m, raw, len, &lim, &perr);
	ms = (long long)((mono_seconds() - t0) * 1000);
	if (rc == 0 && in->conf->general.max_parse_ms > 0 &&
	    ms > in->conf->general.max_parse_ms) {
		/* the parser is linear in the (capped) size, so this only
		 * catches what the other limits let through */
		rc = gc_err_set(&perr, GC_ELIMIT, "parsing took %lld ms, the "
		    "limit is %lld ms", ms, in->conf->general.max_parse_ms);
		mail_free(&m);
	}
	if (rc != 0) {
		dedup_raw_message_id(res->message_id, sizeof(res->message_id),
		    raw, len);
		dedup_key_raw(key, raw, len);
		rc = quarantine(in, mb, raw, len, uid, key,
		    rc == GC_ELIMIT ? "limit" : "parse", perr.msg, res, err);
		goto out;
	}
	if (m->message_id)
		snprintf(res->message_id, sizeof(res->message_id), "%s",
		    m->message_id);
	if ((rc = pgp_intake(in, mb, raw, len, uid, &lim, &m, res, &pgp_done,
	    err)) != 0 || pgp_done)
		goto out;
	record_cut_texts(in->conf, m);
	dedup_key(key, raw, len, m->message_id, mail_header_get(m, "From"),
	    mail_header_get(m, "Date"), mail_header_get(m, "Subject"));
	rc = store_parsed(in, mb, m, raw, len, uid, key, res, err);
	if (rc != 0 && rc != GC_ETEMP && !in->careful) {
		log_debug("mailbox %s uid %" PRIu32 ": %s: the batch is redone "
		    "mail by mail", mb->name, uid, err->msg);
		rc = GC_ERETRY;
		goto out;
	}
	if (rc != 0 && rc != GC_ETEMP) {
		/* Not the database going away: keep the mail whole in the
		 * quarantine with what went wrong, and go on. */
		char detail[GC_ERRMSG_SIZE];

		log_warn("mailbox %s uid %" PRIu32 ": %s: quarantined", mb->name,
		    uid, err->msg);
		snprintf(detail, sizeof(detail), "%s", err->msg);
		gc_err_clear(err);
		db_rollback_to_savepoint(in->db);
		memset(res, 0, sizeof(*res));
		if (m->message_id)
			snprintf(res->message_id, sizeof(res->message_id), "%s",
			    m->message_id);
		rc = quarantine(in, mb, raw, len, uid, key, "store failed",
		    detail, res, err);
	}
out:
	if (in->careful && rc == 0 && key[0] != '\0' &&
	    (rc = db_flush(in->db, err)) != 0 && rc != GC_ETEMP) {
		/* A deferred write of this mail failed after all (the notice
		 * to the sender of a mail too big): the mail goes to the
		 * quarantine alone, with what went wrong. */
		char detail[GC_ERRMSG_SIZE], mid[sizeof(res->message_id)];

		log_warn("mailbox %s uid %" PRIu32 ": %s: quarantined",
		    mb->name, uid, err->msg);
		snprintf(detail, sizeof(detail), "%s", err->msg);
		snprintf(mid, sizeof(mid), "%s", res->message_id);
		gc_err_clear(err);
		db_rollback_to_savepoint(in->db);
		memset(res, 0, sizeof(*res));
		snprintf(res->message_id, sizeof(res->message_id), "%s", mid);
		rc = quarantine(in, mb, raw, len, uid, key, "store failed",
		    detail, res, err);
	}
	mail_free(&m);
	if (!in->careful)
		return rc != 0 && rc != GC_ETEMP ? GC_ERETRY : rc;
	if (rc == 0)
		rc = db_release(in->db, err);
	else
		db_rollback_to_savepoint(in->db);
	return rc;
}
