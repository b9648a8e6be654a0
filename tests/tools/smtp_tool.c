/*
 * smtp_tool.c - drive notify/smtp.c from integration tests
 *
 *   smtp_tool send --url URL --from ADDR --to ADDR [--to ADDR...]
 *             [--subject TEXT] [--body TEXT] [--count N] [--ca FILE]
 *             [--require-tls] [--user NAME --password-file FILE]
 *             [--timeout SEC] [--helo NAME] [--tls-none] [--each]
 *             [--reconnect] [--step]
 *       composes N messages (compose_message, a fresh Message-ID each)
 *       and sends them with one smtp_client, so over one connection;
 *       prints each Message-ID on stdout as it is accepted.
 *       --reconnect: a new client, so a new connection, for each message
 *       after the first (as after the server closed an idle one); --step:
 *       before each message after the first, wait for a line on stdin
 *       (the test changes the world between two messages). --each:
 *       smtp_send_rcpts(), and one line per recipient on stdout,
 *       "ADDRESS sent|tempfail|refused|again ERROR"; the exit status is then
 *       that of the call (0 when the server answered).
 *   smtp_tool webhook --url URL --json TEXT [--ca FILE] [--timeout SEC]
 *             [--count N] [--step]
 *       posts N times, printing "posted" after each.
 *
 * Exit status: 0 done; 75 (EX_TEMPFAIL) for GC_ETEMP; 65 (EX_DATAERR)
 * for GC_EINVAL; 78 (EX_CONFIG) for GC_ECONFIG; 64 for bad usage; 70
 * otherwise. The error goes to stderr as "smtp_tool: <code>: <message>".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "common/err.h"
#include "common/mem.h"
#include "common/util.h"
#include "notify/compose.h"
#include "notify/smtp.h"
#include "notify/webhook.h"

#define MAX_RCPTS 16

static int
exit_code(int rc)
{
	switch (rc) {
	case 0: return 0;
	case GC_ETEMP: return EX_TEMPFAIL;
	case GC_EINVAL: return EX_DATAERR;
	case GC_ECONFIG: return EX_CONFIG;
	default: return EX_SOFTWARE;
	}
}

static int
fail(int rc, const struct gc_err *err)
{
	fprintf(stderr, "smtp_tool: %s: %s\n", gc_strerror(rc), err->msg);
	return exit_code(rc);
}

/* The test's go for the next message: a line on stdin; false at its end. */
static bool
next_step(void)
{
	char line[64];

	return fgets(line, sizeof(line), stdin) != NULL;
}

static int
usage(void)
{
	fprintf(stderr, "usage: smtp_tool send --url URL --from ADDR --to ADDR"
	    " [options]\n       smtp_tool webhook --url URL --json TEXT "
	    "[options]\n");
	return EX_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "subject", required_argument, NULL, 's' },
		{ "body", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "ca", required_argument, NULL, 'c' },
		{ "require-tls", no_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'U' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "helo", required_argument, NULL, 'H' },
		{ "json", required_argument, NULL, 'j' },
		{ "tls-none", no_argument, NULL, 'N' },
		{ "each", no_argument, NULL, 'E' },
		{ "reconnect", no_argument, NULL, 'R' },
		{ "step", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct smtp_params p = { 0 };
	const char *from = NULL, *subject = "Guichet test", *json = NULL;
	const char *body = "Hello from smtp_tool.\n", *pwfile = NULL;
	const char *to[MAX_RCPTS];
	char *password = NULL;
	size_t nto = 0;
	int count = 1, c, rc = 0;
	bool each = false, reconnect = false, step = false;
	struct gc_err err = { 0 };
	const char *cmd;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': p.url = optarg; break;
		case 'f': from = optarg; break;
		case 't':
			if (nto == MAX_RCPTS)
				return usage();
			to[nto++] = optarg;
			break;
		case 's': subject = optarg; break;
		case 'b': body = optarg; break;
		case 'n': count = atoi(optarg); break;
		case 'c': p.ca_file = optarg; break;
		case 'r': p.require_tls = true; break;
		case 'U': p.user = optarg; break;
		case 'P': pwfile = optarg; break;
		case 'T': p.timeout_sec = atoi(optarg); break;
		case 'H': p.helo_name = optarg; break;
		case 'j': json = optarg; break;
		case 'N': p.no_tls = true; break;
		case 'E': each = true; break;
		case 'R': reconnect = true; break;
		case 'S': step = true; break;
		default: return usage();
		}
	}
	if (smtp_global_init(&err) != 0)
		return fail(GC_EIO, &err);

	if (strcmp(cmd, "webhook") == 0) {
		if (p.url == NULL || json == NULL)
			return usage();
		for (int i = 0; i < count && rc == 0; i++) {
			if (i > 0 && step && !next_step())
				break;
			rc = webhook_post(p.url, json, strlen(json), NULL,
			    p.ca_file, p.timeout_sec, NULL, &err);
			if (rc == 0) {
				printf("posted\n");
				fflush(stdout);
			}
		}
		return rc ? fail(rc, &err) : 0;
	}
	if (strcmp(cmd, "send") != 0 || p.url == NULL || from == NULL ||
	    nto == 0)
		return usage();
	if (pwfile != NULL) {
		size_t len;

		if ((rc = file_read(&password, &len, pwfile, 4096, &err)) != 0)
			return fail(rc, &err);
		str_trim(password);
		p.password = password;
	}

	{
		struct smtp_client *cl;
		struct compose_addr rcpt[MAX_RCPTS];
		struct arena a;

		if ((rc = smtp_open(&cl, &p, &err)) != 0) {
			free(password);
			return fail(rc, &err);
		}
		for (size_t i = 0; i < nto; i++) {
			rcpt[i].name = NULL;
			rcpt[i].addr = to[i];
		}
		arena_init(&a, 4096);
		for (int i = 0; i < count && rc == 0; i++) {
			struct buf msg;

			if (i > 0 && step && !next_step())
				break;
			if (i > 0 && reconnect) {
				smtp_close(&cl);
				if ((rc = smtp_open(&cl, &p, &err)) != 0)
					break;
			}
			msg = (struct buf)BUF_INIT(1 << 20);
			struct compose_msg m = {
				.from = { "Guichet Test", from },
				.to = rcpt,
				.nto = nto,
				.subject = subject,
				.message_id = compose_message_id(&a,
				    compose_addr_domain(from), "smtp-tool"),
				.auto_submitted = "auto-replied",
				.body = body,
				.date = 1790000000,
			};

			rc = compose_message(&msg, &m, &err);
			if (rc == 0 && each) {
				static const char *const names[] = { "sent",
					"tempfail", "refused", "again" };
				struct smtp_rcpt r[MAX_RCPTS];

				for (size_t k = 0; k < nto; k++)
					r[k].addr = to[k];
				rc = smtp_send_rcpts(cl, from, r, nto, msg.data,
				    msg.len, &err);
				for (size_t k = 0; k < nto; k++)
					printf("%s %s %s\n", to[k],
					    names[r[k].outcome], r[k].error);
			} else if (rc == 0) {
				rc = smtp_send(cl, from, to, nto, msg.data,
				    msg.len, &err);
			}
			if (rc == 0) {
				printf("%s\n", m.message_id);
				fflush(stdout);
			}
			buf_free(&msg);
		}
		arena_free(&a);
		smtp_close(&cl);
	}
	free(password);
	return rc ? fail(rc, &err) : 0;
}
