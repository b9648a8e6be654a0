/*
 * cli_gdpr.c - `guichet gdpr export ADDRESS [--output FILE]` and `guichet
 * gdpr forget ADDRESS`: a person's data handed over, or anonymised
 * (desk/gdpr.h); both are audit events naming who ran them (--actor, or
 * the login name, which is kept beside the name given)
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "desk/gdpr.h"
#include "parsers/utf8.h"

struct sink {
	FILE *f;
};

static int
sink_write(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;

	return fwrite(p, 1, n, s->f) == n ? 0 : GC_EIO;
}

/* The login name of the process's user. */
static const char *
login_name(char *buf, size_t len)
{
	const struct passwd *pw = getpwuid(getuid());

	if (pw != NULL && pw->pw_name != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "uid %ld", (long)getuid());
	return buf;
}

static bool
valid_actor(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !utf8_valid(s, n))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			return false;
	return true;
}

/* The export into FILE: a file of mode 0600 beside it, renamed over it
 * once whole, removed otherwise. */
static int
export_to_file(struct desk *in, const char *addr, const struct gdpr_who *who,
    const char *path, struct gdpr_counts *c, struct gc_err *err)
{
	char *tmp = xasprintf("%s.partial-%ld", path, (long)getpid());
	struct sink s;
	int fd, rc;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
	    (s.f = fdopen(fd, "w")) == NULL) {
		rc = gc_err_set(err, GC_EIO, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		return rc;
	}
	rc = gdpr_export(in, addr, who, sink_write, &s, c, err);
	if (fclose(s.f) != 0 && rc == 0)
		rc = gc_err_set(err, GC_EIO, "%s: %s", tmp, strerror(errno));
	if (rc == 0 && rename(tmp, path) != 0)
		rc = gc_err_set(err, GC_EIO, "%s: %s", path, strerror(errno));
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int
usage(void)
{
	fprintf(stderr, "usage: guichet gdpr export ADDRESS [--output FILE] "
	    "[--actor NAME]\n       guichet gdpr forget ADDRESS "
	    "[--actor NAME]\n");
	return EX_USAGE;
}

int
cli_gdpr(struct app *app, int argc, char **argv)
{
	struct desk in = { .conf = app->conf, .policy = app_policy(app) };
	const char *addr = NULL, *output = NULL, *actor = NULL;
	struct gc_err err = { 0 };
	struct gdpr_counts c;
	struct gdpr_who who;
	char login[128];
	bool export;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "export") != 0 &&
	    strcmp(argv[1], "forget") != 0))
		return usage();
	export = argv[1][0] == 'e';
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--output") == 0 && export &&
		    i + 1 < argc && output == NULL)
			output = argv[++i];
		else if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc &&
		    actor == NULL)
			actor = argv[++i];
		else if (addr == NULL && argv[i][0] != '-')
			addr = argv[i];
		else
			return usage();
	}
	if (addr == NULL)
		return usage();
	if (!gdpr_valid_address(addr)) {
		fprintf(stderr, "guichet: gdpr %s: \"%s\" is not an address "
		    "(local@domain)\n", argv[1], addr);
		return EX_USAGE;
	}
	if (actor != NULL && !valid_actor(actor)) {
		fprintf(stderr, "guichet: gdpr %s: --actor: 1 to 64 bytes of "
		    "printable UTF-8\n", argv[1]);
		return EX_USAGE;
	}
	who.login = login_name(login, sizeof(login));
	who.actor = actor != NULL ? actor : who.login;
	in.now = app_now(app);
	if ((rc = app_db_connect(app, &in.db, &err)) == 0 &&
	    (rc = db_schema_check(in.db, &err)) == 0) {
		if (!export) {
			rc = gdpr_forget(&in, addr, &who, &c, &err);
		} else if (output != NULL) {
			rc = export_to_file(&in, addr, &who, output, &c, &err);
		} else {
			struct sink s = { stdout };

			rc = gdpr_export(&in, addr, &who, sink_write, &s, &c,
			    &err);
			if (fflush(stdout) != 0 && rc == 0)
				rc = gc_err_set(&err, GC_EIO, "stdout: %s",
				    strerror(errno));
		}
	}
	db_close(&in.db);
	if (rc != 0) {
		fprintf(stderr, "guichet: gdpr %s: %s%s\n", argv[1], err.msg,
		    export ? " (the export is incomplete: throw it away)" :
		    " (the tickets done so far stay anonymised; run it "
		    "again)");
		return app_exit_code(rc);
	}
	if (c.tickets == 0 && c.subscriptions == 0 && c.blocked == 0)
		fprintf(stderr, "gdpr %s: nothing is stored about %s\n",
		    argv[1], addr);
	else if (export)
		fprintf(stderr, "gdpr export: %lld ticket(s), %lld message(s), "
		    "%lld attachment(s), %lld event(s)\n", c.tickets,
		    c.messages, c.attachments, c.events);
	else
		fprintf(stderr, "gdpr forget: %lld ticket(s) anonymised (%lld "
		    "rows), %lld status-page subscription(s) ended, %lld "
		    "blocked sender(s) removed, now %s\n", c.tickets, c.rows,
		    c.subscriptions, c.blocked, c.pseudonym);
	return EX_OK;
}
