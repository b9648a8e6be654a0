/*
 * main.c - guichet [-c FILE] [--now ISO-8601] COMMAND [ARGS]
 *
 * Global options come before the command. Exit codes follow sysexits.h.
 * The table of commands feeds `--help`, `help COMMAND` and `COMMAND
 * --help` (which read no config); doc/guichet.8 documents each entry.
 */
#include <jansson.h>
#include <libetpan/libetpan.h>
#include <locale.h>
#include <openssl/crypto.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dynlib.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/app.h"
#include "daemon/cli.h"
#include "daemon/jobs.h"
#include "notify/curl_dyn.h"
#include "parsers/xml_dyn.h"
#include "sql/db.h"

#define DEFAULT_CONFIG "/etc/guichet/guichet.conf"

/* Every command: its synopsis (one line per form, as `--help` and the
 * manual page show them) and what it does. `guichet help COMMAND` and
 * `guichet COMMAND --help` print its entry without reading any config. */
struct command {
	const char *name;
	int (*fn)(struct app *, int, char **);
	bool needs_config;
	const char *synopsis;
	const char *summary;
};

static const struct command commands[] = {
	{ "serve", cli_serve, true, "serve [--once]",
	  "the daemon: intake, scheduler, outbox (--once: one pass, then "
	  "exit; 75 when IMAP or the database failed)" },
	{ "ingest", cli_ingest, true, "ingest --mailbox NAME",
	  "store one mail read on stdin (MTA pipe; 75: retry later)" },
	{ "recover", cli_recover, true,
	  "recover --since TIME [--mailbox NAME [--folder FOLDER]] "
	  "[--dry-run]",
	  "after a restore from an older dump or a failover that lost the "
	  "last commits: the mails of each processed folder since TIME "
	  "that the database lacks taken in again (the others are "
	  "recognised; nothing on the IMAP server changes; --dry-run: say "
	  "what would be taken in, store nothing; --folder: another folder of "
	  "the mailbox, e.g. the MTA's copies)" },
	{ "migrate", cli_migrate, true, "migrate",
	  "bring the database schema up to date" },
	{ "check-config", cli_check_config, false, "check-config [--connect]",
	  "report every config problem as file:line (--connect: then reach "
	  "PostgreSQL, each mailbox and the SMTP server as the daemon "
	  "would, changing nothing)" },
	{ "ticket", cli_ticket, true,
	  "ticket list [--status S] [--queue Q] [--priority P] "
	  "[--assignee NAME] [--org NAME] [--breached] [--limit N] [--json]\n"
	  "ticket show NUMBER [--json]\n"
	  "ticket search QUERY [--json] [--limit N]\n"
	  "ticket attachment NUMBER N --output FILE\n"
	  "ticket reply NUMBER --as AGENT [--file FILE] [--attach FILE]...\n"
	  "ticket revoke-links NUMBER",
	  "tickets, the most urgent first (the soonest SLA due, then the "
	  "plan's rank); one ticket with its messages, events and SLA; "
	  "the tickets whose mails match a query, best first; the N-th "
	  "attachment of a ticket, opened, into a new file; an agent's "
	  "answer with its #commands, as by mail, from FILE or stdin; "
	  "every link to the ticket's page sent so far stops working" },
	{ "quarantine", cli_quarantine, true,
	  "quarantine list [--reason R] [--status held|retried|released] "
	  "[--queue Q] [--since TIME] [--limit N] [--json]\n"
	  "quarantine show ID\n"
	  "quarantine retry ID\n"
	  "quarantine release ID [--to NUMBER]",
	  "mail that could not be stored or that a rule held, the newest "
	  "1000 (or N); one entry; try it again; let a held mail into a "
	  "ticket" },
	{ "outbox", cli_outbox, true,
	  "outbox list [--json] [--status S] [--limit N]\n"
	  "outbox retry ID\n"
	  "outbox retry --dead [--kind mail|webhook] [--since TIME]",
	  "our mails, per recipient; send a dead one again, or every dead "
	  "one (of a kind, queued since a time)" },
	{ "blocked", cli_blocked, true,
	  "blocked list [--json]\n"
	  "blocked add ADDRESS|@DOMAIN\n"
	  "blocked remove ADDRESS|@DOMAIN",
	  "the senders whose mails that would open a ticket are held (an "
	  "agent's #spam adds its ticket's sender)" },
	{ "agent", cli_agent, true,
	  "agent list [--json]\n"
	  "agent away NAME [--until TIME]\n"
	  "agent back NAME",
	  "the agents of the config and who is away: an agent away gets no "
	  "new ticket in turn ([queue] assign = round_robin)" },
	{ "sla", cli_sla, true, "sla tick [--now TIME]",
	  "one scheduler pass at the clock's time (--now)" },
	{ "rules", cli_rules, true, "rules test FILE.eml [--json]",
	  "qualification and deadlines of a mail, storing nothing" },
	{ "customers", cli_customers, true, "customers import FILE.csv",
	  "organisations and their plans" },
	{ "report", cli_report, true,
	  "report satisfaction [--since TIME] [--json]\n"
	  "report monthly --org ORG --month YYYY-MM "
	  "[--format text|csv|html|json] [--output FILE]\n"
	  "report quarterly --org ORG --quarter YYYY-QN "
	  "[--format text|csv|html|json] [--output FILE]\n"
	  "report agents [--month YYYY-MM] [--quarter YYYY-QN] [--queue Q] "
	  "[--json]",
	  "customers' ratings of resolved tickets: how many, the average, "
	  "the share of 4 and 5, each score; an organisation's monthly or "
	  "quarterly report: tickets, SLA compliance, breaches, response "
	  "times, P1 incidents, time worked, a chart per week; what each "
	  "agent did in a month or quarter" },
	{ "oauth2", cli_oauth2, true,
	  "oauth2 authorize --mailbox NAME\n"
	  "oauth2 authorize --smtp",
	  "get the refresh token of auth = oauth2 by the device flow: "
	  "prints a URL and a code to enter there, waits, writes the token "
	  "file" },
	{ "tickets", cli_tickets, true,
	  "tickets import FILE.csv --format rt|zammad|osticket|generic "
	  "[--skip-bad] [--dry-run]",
	  "the tickets and messages of another help desk's CSV export, "
	  "with their old numbers" },
	{ "status", cli_status, true,
	  "status maintenance add --start TIME --end TIME --title TEXT "
	  "[--components A,B]\n"
	  "status maintenance list [--json]\n"
	  "status maintenance cancel ID\n"
	  "status subscribe ADDRESS\n"
	  "status unsubscribe ADDRESS | --token TOKEN\n"
	  "status render",
	  "the public status page: announce or cancel maintenance, the "
	  "people who get its updates by mail, write the page now" },
	{ "keys", cli_keys, true, "keys rotate [--batch N]",
	  "seal every stored row with the current key of [storage] "
	  "key_file (clear rows of before too), N rows a transaction; "
	  "stopped, it goes on where it was when run again" },
	{ "gdpr", cli_gdpr, true,
	  "gdpr export ADDRESS [--output FILE] [--actor NAME]\n"
	  "gdpr forget ADDRESS [--actor NAME]",
	  "everything stored about a person as one JSON document; or all "
	  "of it anonymised at once, open tickets closed (both are audit "
	  "events)" },
	{ NULL, NULL, false, NULL, NULL }
};

static const struct command *
command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Each synopsis line of c, indented. */
static void
print_synopsis(FILE *f, const struct command *c, const char *indent)
{
	const char *s = c->synopsis;

	while (*s) {
		size_t n = strcspn(s, "\n");

		fprintf(f, "%s%.*s\n", indent, (int)n, s);
		s += n + (s[n] == '\n');
	}
}

/* Whether the option opt (e.g. "--json") is in c's synopsis: the
 * synopsis is the list of what each command accepts, so that an unknown
 * option is refused with the usage before any config is read. */
static bool
option_known(const struct command *c, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *s = c->synopsis; (s = strstr(s, opt)) != NULL;
	    s += n)
		if ((s == c->synopsis || strchr(" [|", s[-1])) &&
		    strchr(" ]\n|", s[n]) != NULL)
			return true;
	return false;
}

static int
check_options(const struct command *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0' ||
		    option_known(c, argv[i]))
			continue;
		fprintf(stderr, "guichet %s: unknown option %s\nusage:\n",
		    c->name, argv[i]);
		print_synopsis(stderr, c, "  guichet ");
		return EX_USAGE;
	}
	return EX_OK;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: guichet [-c FILE] [--now ISO-8601] COMMAND [ARGS]\n"
	    "       guichet --version | help [COMMAND] | COMMAND --help\n"
	    "\n"
	    "commands:\n");
	for (const struct command *c = commands; c->name; c++)
		print_synopsis(f, c, "  ");
	fprintf(f,
	    "\n"
	    "options:\n"
	    "  -c FILE         config file (default " DEFAULT_CONFIG ")\n"
	    "  --now TIME      the clock for this run, e.g. "
	    "2026-11-26T10:00:00Z\n"
	    "  --version       versions of guichet and its libraries\n"
	    "\n"
	    "guichet(8) and guichet.conf(5) say more.\n");
}

static int
command_help(FILE *f, const char *name)
{
	const struct command *c = command_find(name);

	if (c == NULL) {
		fprintf(stderr, "guichet: unknown command \"%s\"\n", name);
		usage(stderr);
		return EX_USAGE;
	}
	fprintf(f, "usage:\n");
	print_synopsis(f, c, "  guichet ");
	fprintf(f, "\n%s.\n", c->summary);
	return EX_OK;
}

static bool
asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static void
version(void)
{
	char pcre2[64] = "", pq[32];
	int xml = atoi(*xml_dyn()->parser_version);   /* "20914": 2.9.14 */

	pcre2_config(PCRE2_CONFIG_VERSION, pcre2);
	db_client_version(pq, sizeof(pq));
	printf("guichet %s\n", GUICHET_VERSION);
	printf("libpq %s, libcurl %s, %s, PCRE2 %s, libxml2 %d.%d.%d, "
	    "jansson %s, libetpan %d.%d\n",
	    pq,
	    curl_version_info(CURLVERSION_NOW)->version,
	    OpenSSL_version(OPENSSL_VERSION), pcre2, xml / 10000,
	    xml / 100 % 100, xml % 100,
	    jansson_version_str(), libetpan_get_version_major(),
	    libetpan_get_version_minor());
}

static int
run(int argc, char **argv)
{
	struct app app = { .config_path = DEFAULT_CONFIG };
	const struct command *c;
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
		} else if (strcmp(argv[i], "--version") == 0) {
			version();
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
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 >= argc) {
			usage(stdout);
			return EX_OK;
		}
		return command_help(stdout, argv[i + 1]);
	}
	/* serve's scheduler process: serve starts it, nobody else; it
	 * reads the configuration the daemon hands it */
	if (strcmp(argv[i], JOBS_COMMAND) == 0) {
		rc = jobs_child_main(&app, argc - i, argv + i);
		app_free_config(&app);
		return rc;
	}
	if ((c = command_find(argv[i])) == NULL) {
		fprintf(stderr, "guichet: unknown command \"%s\"\n", argv[i]);
		usage(stderr);
		return EX_USAGE;
	}
	/* help needs no config: it must work before there is one */
	if (asks_help(argc - i, argv + i))
		return command_help(stdout, c->name);
	if ((rc = check_options(c, argc - i, argv + i)) != EX_OK)
		return rc;
	/* the daemon's signals before its configuration: a SIGHUP or
	 * SIGTERM while it loads must reload or stop it, not kill it */
	if (c->fn == cli_serve)
		serve_signals();
	if (c->needs_config && app_load_config(&app) != 0)
		return EX_CONFIG;
	rc = c->fn(&app, argc - i, argv + i);
	app_free_config(&app);
	return rc;
}

/* The command word: the first argument after the global options and
 * their values, or NULL. */
static const char *
command_word(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--now") == 0)
			i++;
		else if (argv[i][0] != '-')
			return argv[i];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *cmd = command_word(argc, argv);
	bool mta = cmd != NULL && strcmp(cmd, "ingest") == 0;
	int rc;

	/* `ingest` answers an MTA, which bounces the mail to its sender at
	 * any exit but 0 and 75 (Postfix's pipe: 64, 70, 78, 1 alike). A
	 * config that does not load, a mailbox it lacks, a wrong option are
	 * the operator's to mend, as is a library that cannot be opened
	 * (libxml2 at the first HTML part, say): meanwhile the MTA keeps
	 * the mail. Only a mail too big to take (65) goes back to its
	 * sender. */
	if (mta) {
		dynlib_set_exit(EX_TEMPFAIL);
		app_set_fatal_exit(EX_TEMPFAIL);
	}
	rc = run(argc, argv);
	if (mta && rc != EX_OK && rc != EX_DATAERR) {
		fprintf(stderr, "guichet: ingest: the mail is not stored: "
		    "exit 75 (not %d), so that the MTA keeps it and tries "
		    "again\n", rc);
		rc = EX_TEMPFAIL;
	}
	return rc;
}
