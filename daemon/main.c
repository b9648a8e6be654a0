/*
 * main.c - guichet [-c FILE] [--now ISO-8601] COMMAND [ARGS]
 *
 * Global options come before the command. Exit codes follow sysexits.h.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/cli.h"

#define DEFAULT_CONFIG "/etc/guichet/guichet.conf"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: guichet [-c FILE] [--now ISO-8601] COMMAND [ARGS]\n"
	    "\n"
	    "commands:\n"
	    "  serve [--once]               run the daemon (--once: one pass)\n"
	    "  ingest --mailbox NAME        store one mail read on stdin\n"
	    "  migrate                      bring the database schema up to "
	    "date\n"
	    "  check-config                 report every config problem as "
	    "file:line\n"
	    "  ticket list [--json]         list tickets\n"
	    "  ticket show NUMBER [--json]  one ticket with its messages and "
	    "events\n"
	    "  quarantine list [--json] | show ID | retry ID\n"
	    "  outbox list [--json] | retry ID  our mails, per recipient\n"
	    "  sla tick [--now TIME]        one scheduler pass\n"
	    "  rules test FILE.eml [--json] qualification and deadlines of a "
	    "mail\n"
	    "  customers import FILE.csv    organisations and their plans\n"
	    "\n"
	    "options:\n"
	    "  -c FILE         config file (default " DEFAULT_CONFIG ")\n"
	    "  --now TIME      the clock for this run, e.g. "
	    "2026-11-26T10:00:00Z\n");
}

struct command {
	const char *name;
	int (*fn)(struct app *, int, char **);
	bool needs_config;
};

static const struct command commands[] = {
	{ "serve", cli_serve, true },
	{ "ingest", cli_ingest, true },
	{ "migrate", cli_migrate, true },
	{ "check-config", cli_check_config, false },
	{ "ticket", cli_ticket, true },
	{ "quarantine", cli_quarantine, true },
	{ "outbox", cli_outbox, true },
	{ "sla", cli_sla, true },
	{ "rules", cli_rules, true },
	{ "customers", cli_customers, true },
	{ NULL, NULL, false }
};

int
main(int argc, char **argv)
{
	struct app app = { .config_path = DEFAULT_CONFIG };
	int i = 1, rc;

	setlocale(LC_CTYPE, "C.UTF-8");
	signal(SIGPIPE, SIG_IGN);
	if (getenv("GUICHET_CONFIG") != NULL)
		app.config_path = getenv("GUICHET_CONFIG");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			app.config_path = argv[++i];
		} else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
			if (time_parse_iso8601(&app.clock_now, argv[++i])) {
				fprintf(stderr, "guichet: --now: \"%s\" is not "
				    "an ISO-8601 time\n", argv[i]);
				return EX_USAGE;
			}
			app.clock_fixed = true;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EX_OK;
		} else {
			fprintf(stderr, "guichet: unknown option %s\n",
			    argv[i]);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	for (const struct command *c = commands; c->name; c++) {
		if (strcmp(c->name, argv[i]) != 0)
			continue;
		if (c->needs_config && app_load_config(&app) != 0)
			return EX_CONFIG;
		rc = c->fn(&app, argc - i, argv + i);
		app_free_config(&app);
		return rc;
	}
	fprintf(stderr, "guichet: unknown command \"%s\"\n", argv[i]);
	usage(stderr);
	return EX_USAGE;
}
