/*
 * cli_reply.c - `guichet ticket reply NUMBER --as AGENT [--file FILE]
 * [--attach FILE]...`
 *
 * An agent's answer written at the command line (desk/agent_text.h): the
 * text is read from FILE, or standard input, as the agent would write a
 * mail (#commands first, then the words for the customer). In one
 * transaction; whatever is refused leaves nothing written, with a line
 * on stderr and a sysexits.h status:
 *   64  bad arguments             65  the text or a command refused
 *   66  no such ticket or file    67  no agent of that name
 *   75  the database away: nothing written, run it again
 *   77  the agent does not work on the ticket's queue
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "desk/agent_text.h"
#include "desk/mailout.h"
#include "notify/compose.h"
#include "parsers/commands.h"
#include "parsers/utf8.h"
#include "sql/store_ticket.h"

#define REPLY_MAX_FILES 20

static int
usage(void)
{
	fprintf(stderr, "usage: guichet ticket reply NUMBER --as AGENT "
	    "[--file FILE] [--attach FILE]...\n"
	    "  the text (#commands first, as in a mail) is read from FILE, "
	    "else standard input\n");
	return EX_USAGE;
}

/* The content type a mail client would give a file of this name. */
static const char *
type_of(const char *name)
{
	static const char *const types[][2] = {
		{ ".pdf", "application/pdf" }, { ".txt", "text/plain" },
		{ ".log", "text/plain" }, { ".csv", "text/csv" },
		{ ".png", "image/png" }, { ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" }, { ".gif", "image/gif" },
		{ ".zip", "application/zip" }, { ".gz", "application/gzip" },
		{ ".json", "application/json" }, { ".xml", "application/xml" },
		{ ".html", "text/html" }, { ".eml", "message/rfc822" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (str_casecmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/* Each --attach file, read whole (at most max bytes together). */
static int
read_files(struct compose_attachment *f, char **data, const char **paths,
    size_t n, size_t max, struct gc_err *err)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/');
		int rc;

		if ((rc = file_read(&data[i], &f[i].len, paths[i], max - total,
		    err)) != 0) {
			gc_err_prefix(err, "--attach %s", paths[i]);
			return rc;
		}
		total += f[i].len;
		f[i].data = data[i];
		f[i].filename = base && base[1] ? base + 1 : paths[i];
		if (!utf8_valid(f[i].filename, strlen(f[i].filename)))
			return gc_err_set(err, GC_EINVAL, "--attach %s: the "
			    "file's name is not UTF-8", paths[i]);
		f[i].content_type = type_of(f[i].filename);
	}
	return 0;
}

static int
exit_code(int rc)
{
	return rc == GC_ELIMIT ? EX_DATAERR : app_exit_code(rc);
}

/* After the commit: where the ticket stands. */
static void
print_done(struct db *db, const struct intake_result *res,
    const char *agent)
{
	struct store_ticket t = { 0 };
	struct gc_err err = { 0 };

	if (store_ticket_by_id(db, res->ticket_id, &t, &err) == 0)
		printf("%s: %s's answer stored <%s>; now %s, %s%s%s\n",
		    t.number, agent, res->message_id, t.status, t.priority,
		    t.assignee[0] ? ", assigned to " : "", t.assignee);
	else
		printf("%s: %s's answer stored <%s>\n", res->number, agent,
		    res->message_id);
	store_ticket_clear(&t);
}

int
cli_ticket_reply(struct app *app, int argc, char **argv)
{
	struct gc_err err = { 0 };
	struct desk in = { .conf = app->conf, .now = app_now(app),
		.policy = app_policy(app) };
	struct compose_attachment files[REPLY_MAX_FILES] = { { 0 } };
	char *data[REPLY_MAX_FILES] = { 0 }, *text = NULL;
	const char *paths[REPLY_MAX_FILES], *file = NULL, *name = NULL;
	struct agent_text a = { 0 };
	struct intake_result res;
	char how[CLI_OPERATOR_MAX + 32];
	size_t nfiles = 0, max = (size_t)app->conf->general.max_mail_size;
	bool help = false;
	int rc;

	/* argv: "ticket" "reply" NUMBER --as AGENT ... */
	for (int i = 2; i < argc; i++) {
		bool more = i + 1 < argc && argv[i + 1][0] != '\0';

		if (strcmp(argv[i], "--as") == 0 && more && name == NULL)
			name = argv[++i];
		else if (strcmp(argv[i], "--file") == 0 && more && file == NULL)
			file = argv[++i];
		else if (strcmp(argv[i], "--attach") == 0 && more) {
			if (nfiles == REPLY_MAX_FILES) {
				fprintf(stderr, "guichet: ticket reply: at most "
				    "%d files\n", REPLY_MAX_FILES);
				return EX_USAGE;
			}
			paths[nfiles++] = argv[++i];
		} else if (argv[i][0] != '-' && argv[i][0] != '\0' &&
		    a.number == NULL)
			a.number = argv[i];
		else
			return usage();
	}
	if (a.number == NULL || name == NULL)
		return usage();
	if (strlen(a.number) > 63 || !utf8_valid(a.number, strlen(a.number))) {
		fprintf(stderr, "guichet: ticket reply: %.64s...: not a ticket "
		    "number\n", a.number);
		return EX_USAGE;
	}
	if ((a.agent = conf_agent_by_name(app->conf, name)) == NULL) {
		fprintf(stderr, "guichet: ticket reply: no agent %s in %s\n",
		    name, app->config_path);
		return EX_NOUSER;
	}
	/* the text first: standard input is read before anything else */
	rc = file == NULL || strcmp(file, "-") == 0 ?
	    fd_read_all(&text, &a.len, STDIN_FILENO, max, &err) :
	    file_read(&text, &a.len, file, max, &err);
	if (rc == GC_ELIMIT)
		gc_err_set(&err, rc, "the text is over max_mail_size (%zu "
		    "bytes)", max);
	if (rc == 0)
		rc = read_files(files, data, paths, nfiles, max, &err);
	if (rc != 0)
		goto fail;
	a.text = text;
	a.files = files;
	a.nfiles = nfiles;
	cli_operator_as(how, sizeof(how), "command line");
	a.how = how;
	if ((rc = cli_desk_begin(app, &in, &err)) != 0)
		goto fail;
	rc = agent_text(&in, &a, &res, &help, &err);
	if (rc == 0 && !help)
		rc = db_commit(in.db, &err);
	else
		db_rollback(in.db);
	if (rc != 0)
		goto fail;
	if (help) {
		fputs(commands_help(), stdout);
	} else {
		log_info("ticket %s: answer of agent %s by %s stored <%s>",
		    res.number, a.agent->name, how, res.message_id);
		print_done(in.db, &res, a.agent->name);
	}
	goto out;
fail:
	fprintf(stderr, "guichet: ticket reply: %s%s\n", err.msg,
	    rc == GC_ETEMP ? " (nothing was written: run it again)" : "");
	rc = exit_code(rc);
out:
	mailout_free(&in.out);
	db_close(&in.db);
	for (size_t i = 0; i < nfiles; i++)
		free(data[i]);
	free(text);
	return rc;
}
