/*
 * serve.c - `guichet serve [--once]`: the daemon's loop
 *
 * One thread; the scheduler's passes run in a process of their own
 * (daemon/jobs.h), whose reports this loop reads. Each turn: reload the
 * config if SIGHUP asked for it; make sure PostgreSQL is connected
 * (backoff when it is not); run every mailbox poller that is due (or
 * whose IDLE woke up); flush the outbox; then sleep in poll() on the
 * IDLE descriptors, the database connection (LISTEN guichet_outbox: a
 * mail queued by another process, `guichet ingest`, the scheduler's or
 * another daemon, is sent at once), the LMTP listener and its sessions
 * (daemon/lmtp.h: a mail the MTA hands over is stored there, in the
 * loop's own database session), the scheduler's reports and a self-pipe
 * that the signal handlers write to, until the next thing is due.
 * SIGTERM/SIGINT: the mail in hand is finished and committed, then the
 * daemon exits 0.
 * --once exits 0 only when the pass did its work: 75 (EX_TEMPFAIL) when
 * IMAP or the database failed during it, so that scripts and timers
 * notice (the mails stay where they are for the next pass).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/backoff.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "daemon/jobs.h"
#include "daemon/lmtp.h"
#include "daemon/monitor.h"
#include "daemon/outbox.h"
#include "daemon/poller.h"
#include "daemon/sd_dyn.h"
#include "desk/intake.h"
#include "desk/mailout.h"
#include "desk/pgp.h"
#include "desk/ticket_open.h"
#include "notify/curl_dyn.h"
#include "notify/smtp.h"
#include "parsers/xml_dyn.h"
#include "sla/policy.h"
#include "sql/store.h"

#define OUTBOX_BATCH 200
#define OUTBOX_CHECK 60       /* seconds between outbox looks when idle (new
                                 * rows wake us at once: LISTEN below) */
#define MAX_SLEEP 60
#define OUTBOX_CHANNEL "guichet_outbox"   /* see sql/010_outbox_notify.sql */
#define LMTP_BURST_MS 250     /* mails taken by LMTP before a flush, at most */
#define LMTP_GAP_MS 20        /* a wait for the MTA's next mail, at most */

static volatile int stop_flag;
static volatile int reload_flag;
static int wake_pipe[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGHUP)
		reload_flag = 1;
	else
		stop_flag = 1;
	if (wake_pipe[1] >= 0)
		(void)!write(wake_pipe[1], "x", 1);
	errno = saved;
}

/* Handlers for TERM, INT and HUP, and those three unblocked (a parent
 * may have blocked them: the daemon would never stop nor reload).
 * Called before the configuration is read (main.c): a SIGHUP sent while
 * a long rules file compiles must not kill the daemon it was meant to
 * reload. Once is enough; later calls do nothing. */
void
serve_signals(void)
{
	struct sigaction sa;
	sigset_t set;

	if (wake_pipe[0] >= 0)
		return;
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		fatal("pipe2: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

struct daemon {
	struct app *app;
	struct db *db;
	struct backoff db_backoff;     /* reconnecting to the database */
	time_t db_retry_at;
	struct poller **pollers;
	size_t npollers;
	struct mailout *mailout;
	struct outbox *outbox;
	time_t next_outbox;
	bool failed;            /* IMAP or the database failed (--once) */
	bool ready;             /* READY=1 told to systemd */
	uint64_t watchdog_usec; /* WatchdogSec, 0 when off */
	struct monitor *mon;    /* /metrics and /healthz, NULL: --once */
	struct lmtp *lmtp;      /* the MTA's deliveries, NULL: --once */
	struct jobs *jobs;      /* the scheduler's process, NULL: --once */
};

/* ----- systemd (Type=notify) ---------------------------------------
 * sd_notify() does nothing when NOTIFY_SOCKET is unset: running outside
 * systemd costs nothing. */

static void
tell_status(struct daemon *d)
{
	const struct conf *c = d->app->conf;
	char status[512];
	size_t n;

	n = (size_t)snprintf(status, sizeof(status), "STATUS=serving %zu "
	    "mailbox(es):", c->nmailboxes);
	for (size_t i = 0; i < c->nmailboxes && n < sizeof(status); i++)
		n += (size_t)snprintf(status + n, sizeof(status) - n, "%s %s",
		    i ? "," : "", c->mailboxes[i].name);
	if (!db_ok(d->db) && n < sizeof(status))
		snprintf(status + n, sizeof(status) - n, "; waiting for the "
		    "database");
	if (!d->ready && db_ok(d->db)) {
		d->ready = true;
		sd_notifyf(0, "READY=1\n%s", status);
	} else {
		sd_notify(0, status);
	}
}

static void
drop_generation(struct daemon *d)
{
	for (size_t i = 0; i < d->npollers; i++)
		poller_free(&d->pollers[i]);
	free(d->pollers);
	d->pollers = NULL;
	d->npollers = 0;
	mailout_free(&d->mailout);
	outbox_free(&d->outbox);
}

static void
build_generation(struct daemon *d)
{
	const struct conf *c = d->app->conf;
	struct gc_err err = { 0 };

	d->pollers = xcalloc(c->nmailboxes + 1, sizeof(*d->pollers));
	for (size_t i = 0; i < c->nmailboxes; i++)
		poller_new(&d->pollers[i], c, &c->mailboxes[i]);
	d->npollers = c->nmailboxes;
	if (mailout_new(&d->mailout, c, app_policy(d->app), &err) != 0)
		fatal("mailout: %s", err.msg);
	outbox_new(&d->outbox, c);
}

static void
reload(struct daemon *d)
{
	struct gc_err err = { 0 };
	struct conf *c;
	struct sla_policy *p;

	reload_flag = 0;
	if (app_read_config(d->app->config_path, &c, &p) != 0) {
		log_error("reload: the new configuration has problems (above);"
		    " keeping the running one");
		return;
	}
	if (pgp_check_decrypts(c, &err) != 0) {
		log_error("reload: %s; keeping the running configuration",
		    err.msg);
		sla_policy_free(&p);
		conf_free(&c);
		return;
	}
	/* the pollers borrow from the old generation: drop them first; the
	 * advisory locks of the mailboxes go with the session */
	drop_generation(d);
	app_install_config(d->app, c, p);
	db_close(&d->db);
	build_generation(d);
	monitor_reload(d->mon);
	jobs_reload(d->jobs);
	if (lmtp_reload(d->lmtp, &err) != 0)
		log_error("reload: %s; LMTP is off until the next reload",
		    err.msg);
	log_info("configuration reloaded from %s", d->app->config_path);
}

/* Say at each connection what makes its commits less than durable: the
 * promise that a mail leaves its folder only once its ticket is stored
 * rests on them. */
static void
tell_durability(const struct db *db)
{
	const char *gap = db_durability_gap(db);

	if (db_commit_raised(db))
		log_info("PostgreSQL's synchronous_commit is off for this "
		    "connection: set on for guichet's sessions, so that a "
		    "mail leaves its folder only once its commit is on disk");
	if (gap != NULL)
		log_warn("PostgreSQL runs with %s: a commit may not survive a "
		    "crash of the database's machine, and the mails taken "
		    "since would already have left their folder (turn it on; "
		    "see operations.md, PostgreSQL)", gap);
}

static int
ensure_db(struct daemon *d, time_t now)
{
	struct gc_err err = { 0 };
	long long delay;

	if (db_ok(d->db))
		return 0;
	if (d->db != NULL) {
		log_warn("database connection lost");
		db_close(&d->db);
		for (size_t i = 0; i < d->npollers; i++)
			poller_lost_lock(d->pollers[i]);
	}
	if (now < d->db_retry_at)
		return GC_ETEMP;
	if (app_db_connect(d->app, &d->db, &err) == 0 &&
	    db_schema_check(d->db, &err) == 0 &&
	    db_listen(d->db, OUTBOX_CHANNEL, &err) == 0) {
		d->next_outbox = 0;   /* what was queued while we were away */
		if (ticket_assign_turns_create(d->db, d->app->conf,
		    &err) != 0) {
			log_warn("round-robin queues share one turn until "
			    "the next connection: %s", err.msg);
			gc_err_clear(&err);
		}
		if (d->db_backoff.failures > 0)
			log_info("database connection back");
		tell_durability(d->db);
		backoff_reset(&d->db_backoff);
		tell_status(d);     /* READY=1 the first time */
		return 0;
	}
	db_close(&d->db);
	/* the cap of the configuration in force (SIGHUP may change it) */
	d->db_backoff.cap = d->app->conf->general.reconnect_max;
	delay = backoff_failed(&d->db_backoff);
	d->db_retry_at = now + delay;
	tell_status(d);
	log_warn("%s (next attempt in %llds)", err.msg, delay);
	return GC_ETEMP;
}

static void
flush_outbox(struct daemon *d, time_t now)
{
	struct desk in = { .conf = d->app->conf, .db = d->db, .now = now,
		.out = d->mailout, .policy = app_policy(d->app) };
	struct outbox_stats st;
	struct gc_err err = { 0 };

	int rc = outbox_flush(d->outbox, &in, OUTBOX_BATCH, &st, &err);

	monitor_flush(d->mon, &st, rc, OUTBOX_BATCH);
	monitor_oauth2(d->mon, outbox_oauth2(d->outbox));
	if (rc != 0) {
		log_warn("outbox: %s", err.msg);
		d->failed = true;
		return;
	}
	d->next_outbox = now + OUTBOX_CHECK;
	/* the soonest row due, also a retry that an earlier flush planned
	 * (this one may have sent only new mail); a row still due after a
	 * flush that moved nothing (another daemon holds it) is looked at
	 * again in a second, not at once */
	{
		long long due;
		bool moved = st.sent + st.retried + st.dead > 0;

		if (outbox_next_due(d->db, now, &due, &err) == 0 && due >= 0) {
			if (due == 0 && !moved)
				due = 1;
			if (now + due < d->next_outbox)
				d->next_outbox = now + due;
		}
	}
}

static void
run_poller(struct daemon *d, struct poller *p)
{
	struct desk in = { .conf = d->app->conf, .db = d->db,
		.now = app_now(d->app), .out = d->mailout,
		.policy = app_policy(d->app) };
	struct poll_stats st;
	struct gc_err err = { 0 };
	double t0 = mono_seconds();
	int rc;

	/* IDLE may wake us while the database is away (the connection was
	 * dropped in this turn): the mail waits for the next turn, which
	 * reconnects first */
	if (!db_ok(d->db))
		return;
	rc = poller_run(p, &in, in.now, &stop_flag, &st, &err);
	monitor_pass(d->mon, poller_mailbox(p)->name, &st, rc, t0, in.now);
	monitor_oauth2(d->mon, poller_oauth2(p));

	if (rc != 0)
		d->failed = true;
	if (rc == GC_ETEMP && !db_ok(d->db))
		log_warn("mailbox %s: %s", poller_mailbox(p)->name, err.msg);
	if (st.new_tickets + st.followups > 0)
		d->next_outbox = 0;   /* acknowledge at once */
}

/* A mail the MTA handed over by LMTP, for one mailbox (lmtp.h). */
static int
lmtp_store(void *ctx, const struct conf_mailbox *mb, const char *raw,
    size_t len, struct intake_result *res, struct gc_err *err)
{
	struct daemon *d = ctx;
	struct desk in = { .conf = d->app->conf, .db = d->db,
		.now = app_now(d->app), .out = d->mailout,
		.policy = app_policy(d->app) };
	double t0 = mono_seconds();
	int rc;

	if (!db_ok(d->db))
		return gc_err_set(err, GC_ETEMP, "the database is unreachable");
	rc = intake_alone(&in, mb, raw, len, res, err);
	if (rc != 0)
		return rc;
	monitor_mail(d->mon, mb->name, res, t0);
	if (res->outcome == INTAKE_NEW_TICKET ||
	    res->outcome == INTAKE_FOLLOWUP)
		d->next_outbox = 0;   /* acknowledge at once */
	return 0;
}

/* What other processes told us: mail queued (the outbox is flushed at
 * once; the scheduler's process queues too). How many, or -1 when the
 * connection broke. */
static int
notified(struct daemon *d)
{
	int n = db_notifications(d->db, OUTBOX_CHANNEL, NULL);

	if (n > 0)
		d->next_outbox = 0;
	return n;
}

/* One turn of the loop; returns how long to sleep. */
static int
turn(struct daemon *d, bool once)
{
	time_t now = app_now(d->app);
	time_t next = now + MAX_SLEEP;

	monitor_lmtp(d->mon, d->lmtp);   /* also while the database is away */
	jobs_service(d->jobs, d->mon, now, &next);
	if (ensure_db(d, now) != 0) {
		monitor_turn(d->mon, NULL, now, NULL);
		d->failed = true;
		if (d->db_retry_at < next)
			next = d->db_retry_at;
		return next > now ? (int)(next - now) : 1;
	}
	monitor_db_up(d->mon);
	(void)notified(d);
	for (size_t i = 0; i < d->npollers && !stop_flag; i++) {
		struct poller *p = d->pollers[i];

		if (once || poller_next(p) <= now)
			run_poller(d, p);
		if (!db_ok(d->db))
			return 1;
		if (poller_next(p) < next)
			next = poller_next(p);
	}
	now = app_now(d->app);
	if (once) {
		/* the scheduler's pass here, in the one process; a serving
		 * daemon has it in its own (jobs.h) */
		struct jobs_report rep;

		memset(&rep, 0, sizeof(rep));
		if (jobs_pass(d->app, d->db, d->mailout, now, &rep, NULL) != 0)
			d->failed = true;
	}
	if (once || d->next_outbox <= now)
		flush_outbox(d, now);
	if (d->next_outbox < next)
		next = d->next_outbox;
	monitor_turn(d->mon, d->db, now, &next);
	return next > now ? (int)(next - now) : 0;
}

static void
sleep_until_due(struct daemon *d, int seconds)
{
	size_t max = d->npollers + 3 + lmtp_nfds(d->lmtp);
	struct pollfd *fds = xcalloc(max, sizeof(*fds));
	struct poller **who = xcalloc(max, sizeof(*who));
	nfds_t n = 3, base;
	size_t nl;
	unsigned long long stored;
	char drain[64];
	int ms, lms;

	fds[0].fd = wake_pipe[0];
	fds[0].events = POLLIN;
	/* notifications that arrived during the turn's own queries are
	 * buffered already: the socket would not wake us for them */
	if (notified(d) > 0)
		seconds = 0;
	fds[1].fd = db_socket(d->db);   /* -1 (ignored by poll) when down */
	fds[1].events = POLLIN;
	fds[2].fd = jobs_fd(d->jobs);   /* a pass reported, or its end */
	fds[2].events = POLLIN;
	for (size_t i = 0; i < d->npollers; i++) {
		int fd = poller_idle_fd(d->pollers[i]);

		if (fd < 0)
			continue;
		fds[n].fd = fd;
		fds[n].events = POLLIN;
		who[n++] = d->pollers[i];
	}
	base = n;
	nl = lmtp_pollfds(d->lmtp, fds + base);
	n += nl;
	ms = seconds * 1000;
	if ((lms = lmtp_timeout_ms(d->lmtp)) >= 0 && lms < ms)
		ms = lms;
	if (poll(fds, n, ms) > 0) {
		while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
			;
		/* a notification: the next turn flushes the outbox; a broken
		 * connection: the next turn reconnects */
		if (fds[1].revents != 0 && notified(d) < 0)
			d->next_outbox = 0;
		for (nfds_t i = 3; i < base; i++) {
			if (fds[i].revents == 0)
				continue;
			/* (run_poller() leaves the mail to the next turn when
			 * the database is away) */
			if (poller_idle_wake(who[i]) && !stop_flag)
				run_poller(d, who[i]);
		}
	}
	/* also without an event: the sessions whose time is up */
	stored = lmtp_stored(d->lmtp);
	lmtp_service(d->lmtp, fds + base, nl);
	/* a mail came: the MTA's next ones before the outbox is flushed
	 * (each acknowledgement still leaves within LMTP_BURST_MS) */
	if (lmtp_stored(d->lmtp) != stored && !stop_flag)
		lmtp_burst(d->lmtp, LMTP_BURST_MS, LMTP_GAP_MS);
	free(fds);
	free(who);
}

int
cli_serve(struct app *app, int argc, char **argv)
{
	struct daemon d = { .app = app };
	struct gc_err err = { 0 };
	bool once = false;

	(void)app_policy(app);      /* a policy that does not read: 78 now */
	backoff_init(&d.db_backoff, 1, app->conf->general.reconnect_max);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0) {
			once = true;
		} else {
			fprintf(stderr, "usage: guichet serve [--once]\n");
			return EX_USAGE;
		}
	}
	/* the libraries opened on first use elsewhere: a missing one stops
	 * the daemon here, not at its first mail */
	if (curl_dyn_load(&err) != 0 || xml_dyn_load(&err) != 0 ||
	    sd_dyn_load(&err) != 0) {
		log_error("%s", err.msg);
		return EX_UNAVAILABLE;
	}
	if (pgp_check_decrypts(app->conf, &err) != 0) {
		log_error("%s", err.msg);
		return err.code == GC_ETEMP ? EX_TEMPFAIL : EX_CONFIG;
	}
	if (smtp_global_init(&err) != 0) {
		log_error("%s", err.msg);
		return EX_SOFTWARE;
	}
	serve_signals();
	build_generation(&d);
	log_info("serving %zu mailbox(es)%s", d.npollers,
	    once ? " (one pass)" : "");
	if (once) {
		int rc = 0;

		if (ensure_db(&d, app_now(app)) != 0) {
			rc = EX_TEMPFAIL;
		} else {
			turn(&d, true);
			/* scripts and timers must notice a pass that could
			 * not do its work: the mails wait for the next one */
			if (d.failed || !db_ok(d.db)) {
				log_warn("the pass did not complete (above); "
				    "exiting %d", EX_TEMPFAIL);
				rc = EX_TEMPFAIL;
			}
		}
		drop_generation(&d);
		db_close(&d.db);
		return rc;
	}
	if (monitor_new(&d.mon, app, wake_pipe[1], &err) != 0) {
		log_error("%s", err.msg);
		drop_generation(&d);
		return EX_UNAVAILABLE;
	}
	if (lmtp_new(&d.lmtp, app, lmtp_store, &d, &err) != 0) {
		log_error("%s", err.msg);
		monitor_free(&d.mon);
		drop_generation(&d);
		return EX_UNAVAILABLE;
	}
	jobs_new(&d.jobs, app);
	if (sd_watchdog_enabled(0, &d.watchdog_usec) <= 0)
		d.watchdog_usec = 0;
	while (!stop_flag) {
		int sleep_s;

		if (reload_flag) {
			sd_notify(0, "RELOADING=1");
			reload(&d);
			d.ready = false;   /* READY=1 again once connected */
		}
		sleep_s = turn(&d, false);
		if (stop_flag)
			break;
		if (d.watchdog_usec > 0) {
			/* a turn is alive: ping at least twice a period */
			int half = (int)(d.watchdog_usec / 2000000);

			sd_notify(0, "WATCHDOG=1");
			if (sleep_s > half)
				sleep_s = half > 0 ? half : 1;   /* >= 2 s */
		}
		sleep_until_due(&d, sleep_s);
	}
	log_info("stopping");
	sd_notify(0, "STOPPING=1");
	jobs_free(&d.jobs);
	lmtp_free(&d.lmtp);
	monitor_free(&d.mon);
	drop_generation(&d);
	db_close(&d.db);
	return EX_OK;
}
