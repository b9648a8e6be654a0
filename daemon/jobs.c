/*
 * jobs.c - the scheduler's own process under `guichet serve` (see jobs.h)
 */
#include "daemon/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/backoff.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "sql/timers_db.h"

struct jobs {
	struct app *app;
	pid_t pid;              /* 0: no child */
	int fd;                 /* the reports' read end, -1 */
	bool again;             /* ended on purpose (a reload): start at once */
	struct backoff backoff; /* a child that ended by itself */
	double start_at;        /* when to start one, with no child
	                         * (mono_seconds(): a clock set back, or
	                         * --now's fixed one, delays nothing) */
	char *argv[8];          /* the child's command line (made before
	                         * the fork: nothing is allocated after) */
};

int
jobs_pass(struct app *app, struct db *db, struct mailout *out, time_t now,
    struct jobs_report *rep, time_t *next_r)
{
	struct desk in = { .conf = app->conf, .db = db, .now = now,
		.out = out, .policy = app_policy(app), .careful = true };
	struct gc_err err = { 0 };
	double t0 = mono_seconds(), c0 = monitor_cpu();
	int rc = scheduler_tick(&in, &rep->st, &err);
	time_t due;

	/* st counts what was done, a job failing or not */
	rep->seconds = mono_seconds() - t0;
	rep->cpu = monitor_cpu() - c0;
	rep->failed = rc != 0;
	if (rc != 0)
		log_warn("scheduler: %s", err.msg);
	gc_err_clear(&err);
	if (next_r == NULL)
		return rc;
	*next_r = now + JOBS_EVERY;
	if (db_ok(db) && store_timers_next(db, &due, &err) == 0 && due != 0 &&
	    due < *next_r)
		*next_r = due > now ? due : now + 1;
	return rc;
}

/* ----- the child --------------------------------------------------- */

static volatile sig_atomic_t child_stop;
static int child_wake = -1;     /* the write end of its self-pipe */

static void
child_on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	child_stop = 1;
	if (child_wake >= 0)
		(void)!write(child_wake, "x", 1);
	errno = saved;
}

/* The child's own handlers: TERM and INT end it after its pass, HUP is
 * the daemon's (which reloads, and starts it again). The reports' pipe
 * is descriptor 3. Returns the self-pipe's read end. */
static int
child_setup(pid_t parent)
{
	struct sigaction sa;
	int self[2];

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	if (pipe2(self, O_CLOEXEC | O_NONBLOCK) != 0)
		_exit(EX_OSERR);
	child_wake = self[1];
	return self[0];
}

/* Connect, check the schema, LISTEN for the passes asked at once. */
static int
child_connect(struct app *app, struct db **db, struct gc_err *err)
{
	if (app_db_connect(app, db, err) == 0 &&
	    db_schema_check(*db, err) == 0 &&
	    db_command(*db, "SET application_name = 'guichet-scheduler'",
	    err) == 0 &&
	    db_listen(*db, JOBS_CHANNEL, err) == 0)
		return 0;
	db_close(db);
	return err->code != 0 ? err->code : GC_ETEMP;
}

/* Sleep until `until` (app time), a notification on JOBS_CHANNEL, or a
 * signal. Returns true when a pass is asked at once. */
static bool
child_sleep(struct app *app, struct db *db, int self, time_t until)
{
	struct pollfd fds[2] = { { .fd = self, .events = POLLIN },
		{ .fd = db_socket(db), .events = POLLIN } };
	time_t now = app_now(app);
	long long s = until > now ? (long long)(until - now) : 0;
	char drain[16];
	int asked = 0;

	if (s > JOBS_EVERY)
		s = JOBS_EVERY;
	/* notifications that came with the pass's own results */
	if (db_ok(db) && db_notifications(db, JOBS_CHANNEL, &asked) >= 0 &&
	    asked > 0)
		return true;
	if (s == 0 || child_stop)
		return false;
	if (poll(fds, 2, (int)(s * 1000)) > 0) {
		while (read(self, drain, sizeof(drain)) > 0)
			;
		if (fds[1].revents != 0 &&
		    db_notifications(db, JOBS_CHANNEL, &asked) >= 0 &&
		    asked > 0)
			return true;
	}
	return false;
}

static void __attribute__((noreturn))
child_run(struct app *app, pid_t parent)
{
	int self = child_setup(parent);
	struct mailout *out = NULL;
	struct db *db = NULL;
	struct backoff bo;
	struct gc_err err = { 0 };
	time_t next = 0, retry_at = 0;

	if (mailout_new(&out, app->conf, app_policy(app), &err) != 0) {
		log_error("scheduler: %s", err.msg);
		_exit(EX_SOFTWARE);
	}
	backoff_init(&bo, 1, app->conf->general.reconnect_max);
	while (!child_stop && getppid() == parent) {
		time_t now = app_now(app), until;

		/* the clock set back: the pass is not put off by as much */
		if (next > now + JOBS_EVERY)
			next = now;
		if (retry_at > now + app->conf->general.reconnect_max)
			retry_at = now;
		if (!db_ok(db) && now >= retry_at) {
			if (db != NULL)
				log_warn("scheduler: database connection "
				    "lost");
			db_close(&db);
			gc_err_clear(&err);
			if (child_connect(app, &db, &err) == 0) {
				if (bo.failures > 0)
					log_info("scheduler: database "
					    "connection back");
				backoff_reset(&bo);
				next = now;
			} else {
				long long delay = backoff_failed(&bo);

				retry_at = now + delay;
				log_warn("scheduler: %s (next attempt in "
				    "%llds)", err.msg, delay);
			}
		}
		if (db_ok(db) && now >= next) {
			struct jobs_report rep;

			memset(&rep, 0, sizeof(rep));
			(void)jobs_pass(app, db, out, now, &rep, &next);
			/* a report is less than PIPE_BUF: written whole; a
			 * daemon that is gone ends us just after */
			(void)!write(3, &rep, sizeof(rep));
		}
		until = db_ok(db) ? next : retry_at;
		if (child_sleep(app, db, self, until))
			next = app_now(app);
	}
	db_close(&db);
	mailout_free(&out);
	_exit(0);
}

/* The configuration file's bytes as the daemon read them, from
 * descriptor 4 (closed after): *text NULL when the daemon handed none. */
static int
child_config_text(char **text, size_t *len)
{
	struct gc_err err = { 0 };
	struct stat st;
	int rc;

	*text = NULL;
	*len = 0;
	if (fstat(4, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	rc = fd_read_all(text, len, 4, CONF_MAX_FILE, &err);
	close(4);
	if (rc != 0) {
		fprintf(stderr, "guichet: %s: the daemon's configuration: %s\n",
		    JOBS_COMMAND, err.msg);
		return EX_OSERR;
	}
	return 0;
}

int
jobs_child_main(struct app *app, int argc, char **argv)
{
	struct stat st;
	char *end, *text;
	size_t len;
	long long parent = argc == 2 ? strtoll(argv[1], &end, 10) : 0;
	int rc;

	if (argc != 2 || end == argv[1] || *end != '\0' || parent <= 1 ||
	    fstat(3, &st) != 0 || !S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "guichet: %s is the scheduler's process of "
		    "`guichet serve`, which starts it; it is not run by "
		    "hand\n", JOBS_COMMAND);
		return EX_USAGE;
	}
	if ((rc = child_config_text(&text, &len)) != 0)
		return rc;
	if (app_load_config_scheduler(app, text, len) != 0)
		return EX_CONFIG;
	child_run(app, (pid_t)parent);
}

/* ----- the daemon's side ------------------------------------------- */

/* In the child of the fork, until the exec: only calls that are safe in
 * the child of a process with threads (async-signal-safe). The daemon's
 * other threads (libmicrohttpd's, with [http]) may have held any lock
 * of the C library or of a library at the fork, the clock's for
 * instance, which in this copy nobody would ever let go: the scheduler
 * runs in a program of its own, with its own memory. The reports' pipe
 * becomes descriptor 3, the configuration's bytes (conf_fd, -1: none)
 * 4; every other descriptor but 0-2 is closed; signals unblocked, HUP
 * ignored (the daemon's; kept across the exec); the child ends with the
 * daemon. */
static void __attribute__((noreturn))
child_exec(char *const *argv, int report_fd, int conf_fd)
{
	static const char failed[] = "guichet: scheduler: cannot run "
	    "/proc/self/exe\n";
	struct sigaction sa;
	sigset_t none;
	int first_closed = conf_fd >= 0 ? 5 : 4;

	/* out of each other's way first */
	if ((report_fd == 4 &&
	    (report_fd = fcntl(report_fd, F_DUPFD, 5)) < 0) ||
	    (conf_fd == 3 && (conf_fd = fcntl(conf_fd, F_DUPFD, 5)) < 0))
		_exit(EX_OSERR);
	if (report_fd == 3 ? fcntl(3, F_SETFD, 0) != 0 :
	    dup2(report_fd, 3) != 3)
		_exit(EX_OSERR);
	if (conf_fd >= 0 && (conf_fd == 4 ? fcntl(4, F_SETFD, 0) != 0 :
	    dup2(conf_fd, 4) != 4))
		_exit(EX_OSERR);
	if (close_range(first_closed, ~0U, 0) != 0)
		for (int fd = first_closed; fd < 65536; fd++)
			(void)close(fd);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* the daemon's own program, even if a new one was installed since */
	execv("/proc/self/exe", argv);
	(void)!write(2, failed, sizeof(failed) - 1);
	_exit(EX_OSERR);
}

/* The configuration file's bytes the daemon runs, in a file of memory
 * for the child, read from its start: -1 when there are none (a config
 * from a buffer), or when it cannot be made (said; the child reads the
 * file then). */
static int
config_memfd(const struct conf *c)
{
	int fd;

	if (c->text == NULL)
		return -1;
	if ((fd = memfd_create("guichet.conf", MFD_CLOEXEC)) < 0 ||
	    fd_write_all(fd, c->text, c->text_len) != 0 ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		log_warn("scheduler: the configuration for its process: %s; "
		    "it reads %s itself", strerror(errno), c->path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void
jobs_start(struct jobs *j)
{
	int p[2], conf_fd;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0) {
		log_error("scheduler: pipe: %s", strerror(errno));
		j->start_at = mono_seconds() + backoff_failed(&j->backoff);
		return;
	}
	conf_fd = config_memfd(j->app->conf);
	/* what the daemon would write meanwhile goes out before the fork,
	 * not twice */
	fflush(NULL);
	if ((pid = fork()) < 0) {
		log_error("scheduler: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		if (conf_fd >= 0)
			close(conf_fd);
		j->start_at = mono_seconds() + backoff_failed(&j->backoff);
		return;
	}
	if (pid == 0)
		child_exec(j->argv, p[1], conf_fd);
	close(p[1]);
	if (conf_fd >= 0)
		close(conf_fd);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->pid = pid;
	j->fd = p[0];
	j->again = false;
	log_debug("scheduler: its process %ld started", (long)pid);
}

/* guichet -c FILE [--now TIME] scheduler-process DAEMON_PID: the
 * daemon's configuration file and clock. */
static void
child_argv(struct jobs *j)
{
	char pid[24], now[32];
	size_t n = 0;

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	j->argv[n++] = xstrdup("guichet");
	j->argv[n++] = xstrdup("-c");
	j->argv[n++] = xstrdup(j->app->config_path);
	if (j->app->clock_fixed) {
		time_iso8601(now, sizeof(now), j->app->clock_now);
		j->argv[n++] = xstrdup("--now");
		j->argv[n++] = xstrdup(now);
	}
	j->argv[n++] = xstrdup(JOBS_COMMAND);
	j->argv[n++] = xstrdup(pid);
	j->argv[n] = NULL;
}

void
jobs_new(struct jobs **out, struct app *app)
{
	struct jobs *j = xcalloc(1, sizeof(*j));

	j->app = app;
	j->fd = -1;
	child_argv(j);
	backoff_init(&j->backoff, 1, app->conf->general.reconnect_max);
	jobs_start(j);
	*out = j;
}

int
jobs_fd(const struct jobs *j)
{
	return j != NULL ? j->fd : -1;
}

/* The child ended (its pipe closed): reap it, say why when it was not
 * asked to, and plan the next one. */
static void
jobs_ended(struct jobs *j)
{
	int status = 0;
	char why[96];
	long long delay;

	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(j->fd);
	j->fd = -1;
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "signal %d", WTERMSIG(status));
	else if (WEXITSTATUS(status) == EX_CONFIG)
		/* the files the configuration names, read afresh (its own
		 * bytes are the daemon's) */
		snprintf(why, sizeof(why), "exit %d: the configuration has "
		    "problems, above", EX_CONFIG);
	else
		snprintf(why, sizeof(why), "exit %d", WEXITSTATUS(status));
	if (j->again) {
		log_debug("scheduler: process %ld ended (%s) for the new "
		    "configuration", (long)j->pid, why);
		j->pid = 0;
		backoff_reset(&j->backoff);
		j->start_at = mono_seconds();
		return;
	}
	j->backoff.cap = j->app->conf->general.reconnect_max;
	delay = backoff_failed(&j->backoff);
	log_error("scheduler: its process %ld ended (%s); started again in "
	    "%llds", (long)j->pid, why, delay);
	j->pid = 0;
	j->start_at = mono_seconds() + delay;
}

void
jobs_service(struct jobs *j, struct monitor *mon, time_t now,
    time_t *next)
{
	if (j == NULL)
		return;
	while (j->fd >= 0) {
		struct jobs_report rep;
		ssize_t n = read(j->fd, &rep, sizeof(rep));

		if (n == (ssize_t)sizeof(rep)) {
			monitor_tick(mon, &rep.st, rep.seconds, rep.cpu);
			if (!rep.failed)
				backoff_reset(&j->backoff);
			continue;
		}
		if (n > 0)
			continue;   /* a part: it died writing it */
		if (n == 0)
			jobs_ended(j);   /* its pipe closed: it ended */
		break;
	}
	if (j->pid == 0 && mono_seconds() >= j->start_at)
		jobs_start(j);
	if (j->pid == 0) {
		/* (a start that failed planned the next) in the daemon's
		 * clock, for its sleep */
		double left = j->start_at - mono_seconds();
		time_t at = now + (left > 0 ? (time_t)left + 1 : 0);

		if (at < *next)
			*next = at;
	}
}

void
jobs_reload(struct jobs *j)
{
	if (j == NULL)
		return;
	if (j->pid == 0) {
		j->start_at = 0;
		return;
	}
	j->again = true;
	(void)kill(j->pid, SIGTERM);
}

void
jobs_free(struct jobs **jp)
{
	struct jobs *j = *jp;

	if (j == NULL)
		return;
	*jp = NULL;
	if (j->pid > 0) {
		struct pollfd pfd = { .fd = j->fd, .events = POLLIN };
		double until = mono_seconds() + JOBS_STOP_WAIT;
		char buf[512];
		pid_t w;
		int status;

		(void)kill(j->pid, SIGTERM);
		/* its reports until its end (the pipe closes) */
		for (;;) {
			double left = until - mono_seconds();
			ssize_t n;

			if (left <= 0 || poll(&pfd, 1, (int)(left * 1000)) <= 0)
				break;
			if ((n = read(j->fd, buf, sizeof(buf))) == 0)
				break;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				break;
		}
		/* its pipe closes while it exits, a moment before it can
		 * be reaped */
		while ((w = waitpid(j->pid, &status, WNOHANG)) == 0 &&
		    mono_seconds() < until) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		if (w == 0) {
			log_warn("scheduler: its process %ld did not end "
			    "within %ds of SIGTERM: killed", (long)j->pid,
			    JOBS_STOP_WAIT);
			(void)kill(j->pid, SIGKILL);
			while (waitpid(j->pid, &status, 0) < 0 &&
			    errno == EINTR)
				;
		}
	}
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; j->argv[i] != NULL; i++)
		free(j->argv[i]);
	free(j);
}
