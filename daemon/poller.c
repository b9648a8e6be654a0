/*
 * poller.c - one IMAP mailbox (see poller.h)
 */
#include "daemon/poller.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/backoff.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/imap.h"
#include "daemon/oauth2.h"
#include "desk/dedup.h"
#include "sql/store_mailbox.h"
#include "sql/store_quarantine.h"

struct poller {
	const struct conf *conf;
	const struct conf_mailbox *mb;
	struct imap_conn *imap;
	bool folders_ready;     /* processed/quarantine folders exist */
	bool locked;            /* we hold the mailbox's advisory lock */
	bool idling;
	struct backoff backoff; /* after consecutive failures */
	time_t next;
	struct oauth2 *oauth2;  /* auth = oauth2, else NULL */
};

void
poller_new(struct poller **out, const struct conf *conf,
    const struct conf_mailbox *mb)
{
	*out = xcalloc(1, sizeof(**out));
	(*out)->conf = conf;
	(*out)->mb = mb;
	backoff_init(&(*out)->backoff, 1, conf->general.reconnect_max);
	if (mb->oauth2.on) {
		char *name = xasprintf("mailbox %s", mb->name);

		oauth2_new(&(*out)->oauth2, name, &mb->oauth2,
		    (int)conf->general.imap_timeout);
		free(name);
	}
}

void
poller_free(struct poller **p)
{
	if (*p == NULL)
		return;
	imap_close(&(*p)->imap);
	oauth2_free(&(*p)->oauth2);
	free(*p);
	*p = NULL;
}

const struct conf_mailbox *
poller_mailbox(const struct poller *p)
{
	return p->mb;
}

time_t
poller_next(const struct poller *p)
{
	return p->next;
}

void
poller_lost_lock(struct poller *p)
{
	p->locked = false;
	/* due as soon as the database is back: the lock is to be taken
	 * again, and mail may have come in meanwhile (IDLE may even have
	 * said so while we could not take it) */
	p->next = 0;
}

static void
drop_connection(struct poller *p)
{
	imap_close(&p->imap);
	p->folders_ready = false;
	p->idling = false;
}

/* Connect, with an access token when auth = oauth2: a token the server
 * refuses is refreshed once and the login tried again. */
static int
connect_oauth2(struct poller *p, struct imap_params *ip, struct gc_err *err)
{
	int rc;

	if (p->oauth2 == NULL)
		return imap_connect(&p->imap, ip, err);
	ip->oauthbearer = oauth2_mechanism(p->oauth2) == OAUTH2_OAUTHBEARER;
	if ((rc = oauth2_token(p->oauth2, &ip->oauth2_token, err)) != 0)
		return rc;
	rc = imap_connect(&p->imap, ip, err);
	if (rc == GC_EAUTH && oauth2_rejected(p->oauth2)) {
		log_info("mailbox %s: %s; refreshing the access token once",
		    p->mb->name, err->msg);
		gc_err_clear(err);
		if ((rc = oauth2_token(p->oauth2, &ip->oauth2_token,
		    err)) != 0)
			return rc;
		rc = imap_connect(&p->imap, ip, err);
	}
	if (rc == GC_EAUTH)
		oauth2_rejected(p->oauth2);
	return rc;
}

struct oauth2 *
poller_oauth2(const struct poller *p)
{
	return p->oauth2;
}

void
poller_imap_params(const struct conf *c, const struct conf_mailbox *mb,
    struct imap_params *ip)
{
	*ip = (struct imap_params){
		.url = mb->url, .user = mb->user, .password = mb->password,
		.ca_file = mb->tls_ca_file,
		.timeout_sec = (int)c->general.imap_timeout,
		.allow_plaintext = mb->allow_plaintext,
	};
}

int
poller_connect_mailbox(const struct conf *c, const struct conf_mailbox *mb,
    struct imap_conn **imap_r, struct gc_err *err)
{
	struct imap_params ip;
	struct oauth2 *o = NULL;
	int rc = 0;

	*imap_r = NULL;
	poller_imap_params(c, mb, &ip);
	if (mb->oauth2.on) {
		char name[96];

		snprintf(name, sizeof(name), "mailbox %s", mb->name);
		oauth2_new(&o, name, &mb->oauth2, (int)c->general.imap_timeout);
		ip.oauthbearer = oauth2_mechanism(o) == OAUTH2_OAUTHBEARER;
		if ((rc = oauth2_token(o, &ip.oauth2_token, err)) == GC_EAUTH)
			oauth2_authorize_hint(err, "--mailbox ", mb->name);
	}
	if (rc == 0)
		rc = imap_connect(imap_r, &ip, err);
	oauth2_free(&o);
	return rc;
}

static int
ensure_connected(struct poller *p, struct gc_err *err)
{
	const struct conf_mailbox *mb = p->mb;
	struct imap_params ip;
	int rc;

	poller_imap_params(p->conf, mb, &ip);

	if (p->imap != NULL && imap_is_dead(p->imap))
		drop_connection(p);
	if (p->imap == NULL) {
		if ((rc = connect_oauth2(p, &ip, err)) != 0)
			return rc;
		log_info("mailbox %s: connected to %s", mb->name, mb->url);
	}
	if (!p->folders_ready) {
		if ((rc = imap_ensure_folder(p->imap, mb->processed_folder,
		    err)) != 0 ||
		    (rc = imap_ensure_folder(p->imap, mb->quarantine_folder,
		    err)) != 0)
			return rc;
		p->folders_ready = true;
	}
	return 0;
}

/* The sender of a mail too big to download is told, from its header
 * block; a notice that cannot be queued is given up (the mail is held
 * all the same), a database gone away is not. */
static int
tell_oversize(struct desk *in, const struct conf_mailbox *mb,
    const struct imap_msg *msg, struct gc_err *err)
{
	struct gc_err nerr = { 0 };
	int rc;

	if ((rc = db_savepoint(in->db, &nerr)) == 0 &&
	    (rc = intake_tell_too_big(in, mb, msg->header, msg->header_len,
	    msg->len, &nerr)) == 0 && (rc = db_release(in->db, &nerr)) == 0)
		return 0;
	if (rc == GC_ETEMP)
		return gc_err_set(err, rc, "%s", nerr.msg);
	db_rollback_to_savepoint(in->db);
	log_warn("mailbox %s uid %" PRIu32 ": the notice to the sender of a "
	    "mail too big to download was not queued: %s", mb->name, msg->uid,
	    nerr.msg);
	return 0;
}

/* One batch in one transaction (see intake.h for careful); fills the
 * results. Returns GC_ERETRY when a mail failed in a fast pass. */
static int
batch_pass(struct poller *p, struct desk *in, struct imap_msg *msgs,
    size_t n, uint32_t uidvalidity, volatile int *stop,
    struct intake_result *res, size_t *nres, struct gc_err *err)
{
	const struct conf_mailbox *mb = p->mb;
	uint32_t last = 0;
	int rc;

	*nres = 0;
	if ((rc = db_begin(in->db, err)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct intake_result *r = &res[i];

		if (msgs[i].data == NULL) {
			/* too big to download: the quarantine records it,
			 * the IMAP quarantine folder keeps the bytes */
			struct store_quarantine q = { 0 };
			char key[128], detail[160];

			snprintf(key, sizeof(key), "oversize:%s:%" PRIu32 ":%"
			    PRIu32, mb->name, uidvalidity, msgs[i].uid);
			snprintf(detail, sizeof(detail), "%zu bytes, the limit "
			    "is %lld; kept in IMAP folder %s", msgs[i].len,
			    p->conf->general.max_mail_size,
			    mb->quarantine_folder);
			q.mailbox = mb->name;
			q.reason = "size";
			q.detail = detail;
			q.raw = "";
			q.dedup_key = key;
			q.imap_uid = msgs[i].uid;
			q.now = in->now;
			memset(r, 0, sizeof(*r));
			r->outcome = INTAKE_QUARANTINED;
			snprintf(r->reason, sizeof(r->reason), "size: %s",
			    detail);
			rc = db_savepoint(in->db, err);
			if (rc == 0)
				rc = store_quarantine_insert(in->db, &q,
				    &r->quarantine_id, err);
			if (rc == GC_EDUP) {
				db_rollback_to_savepoint(in->db);
				gc_err_clear(err);
				r->outcome = INTAKE_DUPLICATE;
				rc = 0;
			} else if (rc == 0) {
				rc = db_release(in->db, err);
				if (rc == 0 && msgs[i].header != NULL)
					rc = tell_oversize(in, mb, &msgs[i],
					    err);
			}
		} else {
			rc = intake_mail(in, mb, msgs[i].data, msgs[i].len,
			    msgs[i].uid, r, err);
		}
		if (rc != 0) {
			db_rollback(in->db);
			/* in a fast pass, a failure here may be a deferred
			 * write of an earlier mail: redo mail by mail */
			return rc == GC_ETEMP || in->careful ? rc : GC_ERETRY;
		}
		(*nres)++;
		if (msgs[i].uid > last)
			last = msgs[i].uid;
		if (*stop)
			break;   /* finish the mail in hand, then stop */
	}
	/* the deferred writes of the last mail fail here, not in its
	 * intake_mail(): in a fast pass, that too redoes mail by mail */
	if (!in->careful && (rc = db_flush(in->db, err)) != 0) {
		db_rollback(in->db);
		return rc == GC_ETEMP ? rc : GC_ERETRY;
	}
	rc = store_imap_state_set(in->db, mb->name, uidvalidity, last, in->now,
	    err);
	if (rc == 0)
		rc = db_commit(in->db, err);
	if (rc != 0)
		db_rollback(in->db);
	return rc;
}

void
poll_stats_count(struct poll_stats *st, const struct intake_result *r)
{
	switch (r->outcome) {
	case INTAKE_NEW_TICKET: st->new_tickets++; break;
	case INTAKE_FOLLOWUP:
		if (r->bounce)
			st->bounces++;
		else
			st->followups++;
		break;
	case INTAKE_DUPLICATE: st->duplicates++; break;
	case INTAKE_QUARANTINED:
		if (r->held)
			st->held++;
		else
			st->quarantined++;
		break;
	case INTAKE_DROPPED: st->loops++; break;
	}
}

/* Store a batch: fast, and mail by mail if a mail fails; then log each
 * mail (only once committed) and sort the UIDs into those to move to the
 * processed and to the quarantine folder. */
static int
store_batch(struct poller *p, struct desk *in, struct imap_msg *msgs,
    size_t n, uint32_t uidvalidity, volatile int *stop, uint32_t *done,
    uint32_t *quar, size_t *ndone, size_t *nquar, struct poll_stats *st,
    struct gc_err *err)
{
	const struct conf_mailbox *mb = p->mb;
	struct intake_result *res = xcalloc(n + 1, sizeof(*res));
	size_t nres = 0;
	int rc;

	*ndone = *nquar = 0;
	in->careful = false;
	rc = batch_pass(p, in, msgs, n, uidvalidity, stop, res, &nres, err);
	if (rc == GC_ERETRY) {
		gc_err_clear(err);
		in->careful = true;
		rc = batch_pass(p, in, msgs, n, uidvalidity, stop, res, &nres,
		    err);
		in->careful = false;
	}
	for (size_t i = 0; rc == 0 && i < nres; i++) {
		struct intake_result *r = &res[i];

		intake_log(mb->name, msgs[i].uid, r);
		log_set_fields(&(struct log_fields){ .mailbox = mb->name });
		poll_stats_count(st, r);
		if (r->outcome == INTAKE_QUARANTINED)
			quar[(*nquar)++] = msgs[i].uid;
		else
			done[(*ndone)++] = msgs[i].uid;
	}
	free(res);
	return rc;
}

static int
run_locked(struct poller *p, struct desk *in, volatile int *stop,
    struct poll_stats *st, struct gc_err *err)
{
	const struct conf_mailbox *mb = p->mb;
	uint32_t uidvalidity, uidnext, exists, old_validity, last_uid;
	uint32_t *uids = NULL, *done = NULL, *quar = NULL;
	size_t nuids = 0, batch = (size_t)p->conf->general.fetch_batch;
	size_t max_size = (size_t)p->conf->general.max_mail_size * 4;
	size_t budget = (size_t)p->conf->general.fetch_budget;
	bool found;
	int rc;

	if ((rc = imap_select(p->imap, mb->folder, &uidvalidity, &uidnext,
	    &exists, err)) != 0)
		return rc;
	if ((rc = store_imap_state_get(in->db, mb->name, &old_validity,
	    &last_uid, &found, err)) != 0)
		return rc;
	if (found && old_validity != uidvalidity)
		log_warn("mailbox %s: UIDVALIDITY changed (%" PRIu32 " -> %"
		    PRIu32 "): every mail in %s is looked at again; copies "
		    "already stored are recognised", mb->name, old_validity,
		    uidvalidity, mb->folder);
	if (exists == 0)
		return 0;
	/* Everything still in the folder: new mail, and mail stored but not
	 * moved before a crash (recognised by intake as a duplicate). */
	if ((rc = imap_search_uids(p->imap, 1, &uids, &nuids, err)) != 0)
		return rc;
	done = xcalloc(batch, sizeof(*done));
	quar = xcalloc(batch, sizeof(*quar));
	for (size_t off = 0, taken = 0; off < nuids && !*stop; off += taken) {
		size_t n = nuids - off < batch ? nuids - off : batch;
		struct imap_msg *msgs = NULL;
		size_t nmsgs = 0, ndone, nquar;

		/* at most fetch_batch mails and fetch_budget bytes held */
		if ((rc = imap_fetch_budget(p->imap, uids + off, n, max_size,
		    budget, &msgs, &nmsgs, &taken, err)) != 0)
			break;
		if (taken == 0)
			taken = n;
		st->fetched += (int)nmsgs;
		rc = store_batch(p, in, msgs, nmsgs, uidvalidity, stop, done,
		    quar, &ndone, &nquar, st, err);
		imap_msgs_free(&msgs, nmsgs);
		if (rc != 0)
			break;
		/* committed: only now may the mails leave the folder */
		if (ndone > 0 && (rc = imap_move(p->imap, done, ndone,
		    mb->processed_folder, err)) != 0)
			break;
		if (nquar > 0 && (rc = imap_move(p->imap, quar, nquar,
		    mb->quarantine_folder, err)) != 0)
			break;
	}
	free(uids);
	free(done);
	free(quar);
	return rc;
}

static int
run_pass(struct poller *p, struct desk *in, time_t now,
    volatile int *stop, struct poll_stats *st, struct gc_err *err)
{
	const struct conf_mailbox *mb = p->mb;
	int rc;

	memset(st, 0, sizeof(*st));
	p->next = now + mb->poll_interval;
	if (!p->locked) {
		bool got;

		if ((rc = store_try_mailbox_lock(in->db, mb->name, &got,
		    err)) != 0)
			return rc;
		if (!got) {
			log_debug("mailbox %s: another daemon polls it",
			    mb->name);
			st->standby = true;
			drop_connection(p);
			return 0;
		}
		p->locked = true;
		log_info("mailbox %s: this daemon polls it now", mb->name);
	}
	if (p->idling) {
		bool news;

		p->idling = false;
		if (imap_idle_done(p->imap, &news, err) != 0)
			drop_connection(p);
		gc_err_clear(err);
	}
	if ((rc = ensure_connected(p, err)) == 0)
		rc = run_locked(p, in, stop, st, err);
	if (rc == GC_ETEMP && !db_ok(in->db))
		return rc;   /* the database: the caller reconnects */
	if (rc != 0) {
		log_warn("mailbox %s: %s", mb->name, err->msg);
		drop_connection(p);
		/* Exponential backoff: 1 s, 2 s, 4 s... up to the cap. */
		p->next = now + backoff_failed(&p->backoff);
		log_info("mailbox %s: next attempt in %llds", mb->name,
		    (long long)(p->next - now));
		return rc;
	}
	backoff_reset(&p->backoff);
	return 0;
}

int
poller_run(struct poller *p, struct desk *in, time_t now,
    volatile int *stop, struct poll_stats *st, struct gc_err *err)
{
	int rc;

	/* the lines of the pass name the mailbox in their own field */
	log_set_fields(&(struct log_fields){ .mailbox = p->mb->name });
	rc = run_pass(p, in, now, stop, st, err);
	log_set_fields(NULL);
	return rc;
}

int
poller_idle_fd(struct poller *p)
{
	struct gc_err err = { 0 };

	if (!p->idling) {
		if (!p->mb->idle || !p->locked || p->imap == NULL ||
		    !imap_has_idle(p->imap))
			return -1;
		if (imap_idle_start(p->imap, &err) != 0) {
			log_warn("mailbox %s: IDLE: %s", p->mb->name, err.msg);
			drop_connection(p);
			return -1;
		}
		p->idling = true;
	}
	return imap_idle_fd(p->imap);
}

bool
poller_idle_wake(struct poller *p)
{
	struct gc_err err = { 0 };
	bool news = false;

	if (!p->idling)
		return false;
	p->idling = false;
	if (imap_idle_done(p->imap, &news, &err) != 0) {
		log_warn("mailbox %s: IDLE: %s", p->mb->name, err.msg);
		drop_connection(p);
		return true;   /* poll now: reconnects and looks */
	}
	return news;
}
