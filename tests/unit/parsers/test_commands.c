/*
 * test_commands.c - agents' #commands: the block at the top, its end, and
 * the line named when something is wrong
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parsers/commands.h"

static void
test_block(void **state)
{
	struct cmd_list l;
	char err[256];
	const char *text = "\n#priority p1\n  #STATUS Pending\n\n#assign me\n"
	    "#internal\nHello,\n#not a command: part of the text\n";

	(void)state;
	assert_int_equal(commands_parse(&l, text, err, sizeof(err)), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[0].kind, CMD_PRIORITY);
	assert_string_equal(l.v[0].arg, "P1");
	assert_int_equal(l.v[0].line, 2);
	assert_int_equal(l.v[1].kind, CMD_STATUS);
	assert_string_equal(l.v[1].arg, "pending");
	assert_int_equal(l.v[2].kind, CMD_ASSIGN);
	assert_string_equal(l.v[2].arg, "me");
	assert_int_equal(l.v[3].kind, CMD_INTERNAL);
	assert_string_equal(text + l.body_offset,
	    "Hello,\n#not a command: part of the text\n");
}

static void
test_no_commands(void **state)
{
	struct cmd_list l;
	char err[256];

	(void)state;
	assert_int_equal(commands_parse(&l, "Thanks, fixed.\n#resolve\n", err,
	    sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.body_offset, 0);
	assert_int_equal(commands_parse(&l, "", err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
}

static void
test_all_kinds(void **state)
{
	struct cmd_list l;
	char err[256];

	(void)state;
	assert_int_equal(commands_parse(&l, "#workaround\r\n#resolve\r\n#rca\r\n"
	    "#merge SUP-2026-000007\r\n#close\r\n#status closed\r\nBody",
	    err, sizeof(err)), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.v[0].kind, CMD_WORKAROUND);
	assert_int_equal(l.v[1].kind, CMD_RESOLVE);
	assert_int_equal(l.v[2].kind, CMD_RCA);
	assert_int_equal(l.v[3].kind, CMD_MERGE);
	assert_string_equal(l.v[3].arg, "SUP-2026-000007");
	assert_int_equal(l.v[4].kind, CMD_CLOSE);
	assert_string_equal(l.v[5].arg, "closed");
}

static void
expect_error(const char *text, const char *want)
{
	struct cmd_list l;
	char err[256];

	assert_int_equal(commands_parse(&l, text, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("wanted \"%s\" in \"%s\"", want, err);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("#prio P1\n", "line 1: \"#prio P1\": unknown command");
	expect_error("#status open\n#priority P4\nhi", "line 2: \"#priority "
	    "P4\": expected #priority P1, P2 or P3");
	expect_error("#status done\n", "expected #status open, pending");
	expect_error("#assign\n", "expected #assign NAME");
	expect_error("#merge\n", "expected #merge NUMBER");
	expect_error("#resolve now please\n", "unexpected text");
	expect_error("#internal yes\n", "takes no argument");
	expect_error("#\n", "unknown command");
	expect_error("\n\n#rca\n#wat\n", "line 4");
	expect_error("#language de\n", "expected #language fr or en");
	expect_error("#language\n", "expected #language fr or en");
	expect_error("#language english\n", "expected #language fr or en");
}

static void
test_language(void **state)
{
	struct cmd_list l;
	char err[256];

	(void)state;
	assert_int_equal(commands_parse(&l, "#Language EN\n#language fr\n"
	    "Hello", err, sizeof(err)), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].kind, CMD_LANGUAGE);
	assert_string_equal(l.v[0].arg, "en");
	assert_string_equal(l.v[1].arg, "fr");
	assert_non_null(strstr(commands_help(), "#language fr|en"));
}

/* The list in French names the same commands, line for line, with the
 * same first word (the command, which is English in every language),
 * and every line of it is parsed as the English one is; any other
 * language is English. */
static void
test_help_in_french(void **state)
{
	const char *en = commands_help(), *fr = commands_help_in("fr");
	size_t lines = 0;

	(void)state;
	assert_string_equal(commands_help_in("en"), en);
	assert_string_equal(commands_help_in("de"), en);
	assert_string_equal(commands_help_in(NULL), en);
	assert_string_not_equal(fr, en);
	assert_non_null(strstr(fr, "#internal     (le mail reste entre "
	    "agents)\n"));
	assert_non_null(strstr(fr, "#eta AAAA-MM-JJ HH:MM"));
	assert_null(strstr(fr, "(the "));
	while (*en != '\0' && *fr != '\0') {
		size_t ne = strcspn(en, " \n"), nf = strcspn(fr, " \n");

		assert_true(strncmp(en, "  #", 3) == 0 || en[0] == ' ');
		while (*en == ' ')
			en++, ne = strcspn(en, " \n");
		while (*fr == ' ')
			fr++, nf = strcspn(fr, " \n");
		assert_int_equal(ne, nf);
		assert_memory_equal(en, fr, ne);
		en = strchr(en, '\n') + 1;
		fr = strchr(fr, '\n') + 1;
		lines++;
	}
	assert_int_equal(*en, '\0');
	assert_int_equal(*fr, '\0');
	assert_true(lines >= 26);
}

/* Every mistake the parser names is named in French too, on the same
 * line, and in English otherwise. */
static void
test_errors_in_french(void **state)
{
	static const char *const bad[] = {
		"#prio P1\n", "#priority P4\n", "#status later\n",
		"#assign\n", "#merge\n", "#cc bob@\n", "#uncc x\n",
		"#queue a/b\n", "#tag a b\n", "#untag\n", "#reply ../x\n",
		"#eta tomorrow\n", "#remind soon\n", "#time 25h\n",
		"#close now\n", "#language de\n", "#incident\n",
		"#incident-update\n", "#priority P1 or P2\n",
		NULL };
	struct cmd_list l;
	char en[512], fr[512], big[9000];

	(void)state;
	for (const char *const *b = bad; *b != NULL; b++) {
		assert_int_equal(commands_parse(&l, *b, en, sizeof(en)), -1);
		assert_int_equal(commands_parse_in(&l, *b, "fr", fr,
		    sizeof(fr)), -1);
		if (strncmp(en, "line 1: \"", 9) != 0 ||
		    strncmp(fr, "ligne 1 : \u00ab ", 12) != 0 ||
		    strstr(fr, "expected") != NULL ||
		    strstr(fr, "unknown") != NULL)
			fail_msg("%s: \"%s\" / \"%s\"", *b, en, fr);
		assert_int_equal(commands_parse_in(&l, *b, "en", fr,
		    sizeof(fr)), -1);
		assert_string_equal(fr, en);
	}
	assert_int_equal(commands_parse_in(&l, "#prio P1\n", "fr", fr,
	    sizeof(fr)), -1);
	assert_string_equal(fr, "ligne 1 : \u00ab #prio P1 \u00bb : "
	    "commande inconnue");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "#tag ", 5);
	assert_int_equal(commands_parse_in(&l, big, "fr", fr, sizeof(fr)),
	    -1);
	assert_non_null(strstr(fr, "argument trop long"));
}

static void
test_new_kinds(void **state)
{
	struct cmd_list l;
	char err[256];

	(void)state;
	assert_int_equal(commands_parse(&l, "#cc <Bob@Cust.example>\n"
	    "#uncc eve+x@other.example\n#queue billing\n#tag vip:gold\n"
	    "#untag old-tag\n#split\n#eta 2026-12-05 14:30  \n"
	    "#reply thanks_2\n#help\nBody", err, sizeof(err)), 0);
	assert_int_equal(l.n, 9);
	assert_int_equal(l.v[0].kind, CMD_CC);
	assert_string_equal(l.v[0].arg, "Bob@Cust.example");
	assert_int_equal(l.v[1].kind, CMD_UNCC);
	assert_string_equal(l.v[1].arg, "eve+x@other.example");
	assert_int_equal(l.v[2].kind, CMD_QUEUE);
	assert_string_equal(l.v[2].arg, "billing");
	assert_int_equal(l.v[3].kind, CMD_TAG);
	assert_string_equal(l.v[3].arg, "vip:gold");
	assert_int_equal(l.v[4].kind, CMD_UNTAG);
	assert_int_equal(l.v[5].kind, CMD_SPLIT);
	assert_int_equal(l.v[6].kind, CMD_ETA);
	assert_int_equal(l.v[6].time.year, 2026);
	assert_int_equal(l.v[6].time.mon, 12);
	assert_int_equal(l.v[6].time.day, 5);
	assert_int_equal(l.v[6].time.hour, 14);
	assert_int_equal(l.v[6].time.min, 30);
	assert_false(l.v[6].time.has_offset);
	assert_int_equal(l.v[7].kind, CMD_REPLY);
	assert_string_equal(l.v[7].arg, "thanks_2");
	assert_int_equal(l.v[8].kind, CMD_HELP);
	assert_string_equal(l.v[8].arg, "");
	assert_non_null(strstr(commands_help(), "#reply NAME"));
	assert_non_null(strstr(commands_help(), "#help"));
	assert_non_null(strstr(commands_help(), "#priority P1|P2|P3"));
}

static void
test_eta_forms(void **state)
{
	struct cmd_list l;
	char err[256];

	(void)state;
	assert_int_equal(commands_parse(&l, "#eta 2028-02-29T09:05:07Z\n",
	    err, sizeof(err)), 0);
	assert_true(l.v[0].time.has_offset);
	assert_int_equal(l.v[0].time.offset_min, 0);
	assert_int_equal(l.v[0].time.sec, 7);
	assert_int_equal(commands_parse(&l, "#eta 2026-12-05T14:00-05:30\n",
	    err, sizeof(err)), 0);
	assert_int_equal(l.v[0].time.offset_min, -330);
	assert_int_equal(commands_parse(&l, "#ETA 2026-12-05T14:00+0100\n",
	    err, sizeof(err)), 0);
	assert_int_equal(l.v[0].time.offset_min, 60);
	/* the shape is the parser's; 1900 or 9999 are the desk's to refuse */
	assert_int_equal(commands_parse(&l, "#eta 1900-01-01 00:00\n",
	    err, sizeof(err)), 0);
	assert_int_equal(l.v[0].time.year, 1900);
}

static void
test_remind(void **state)
{
	static const struct { const char *text; long long after; } ok[] = {
		{ "#remind 90m\n", 90 * 60 }, { "#remind 4h\n", 4 * 3600 },
		{ "#REMIND 3D\n", 3 * 86400 }, { "#remind 1w\n", 7 * 86400 },
		{ "#remind 366d\n", 366 * 86400 },
		{ "#remind 527040m\n", 366 * 86400 },
	};
	static const char *const bad[] = { "#remind\n", "#remind soon\n",
		"#remind 0d\n", "#remind -1d\n", "#remind 367d\n",
		"#remind 53w\n", "#remind 3\n", "#remind d\n",
		"#remind 3dd\n", "#remind 3 d\n", "#remind 9999999d\n",
		"#remind 99999999999999999999d\n", "#remind 2026-02-30 10:00\n",
		"#remind none please\n", "#remind 3y\n" };
	struct cmd_list l;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(commands_parse(&l, ok[i].text, err,
		    sizeof(err)), 0);
		assert_int_equal(l.v[0].kind, CMD_REMIND);
		assert_int_equal(l.v[0].after, ok[i].after);
	}
	assert_int_equal(commands_parse(&l, "#remind None\n", err,
	    sizeof(err)), 0);
	assert_string_equal(l.v[0].arg, "none");
	assert_int_equal(l.v[0].after, 0);
	assert_int_equal(commands_parse(&l, "#remind 2026-12-07 09:30\n", err,
	    sizeof(err)), 0);
	assert_int_equal(l.v[0].after, 0);
	assert_int_equal(l.v[0].time.day, 7);
	assert_int_equal(l.v[0].time.hour, 9);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i], "expected #remind");
}

static void
test_spam(void **state)
{
	struct cmd_list l;
	char err[256];

	(void)state;
	assert_int_equal(commands_parse(&l, "#SPAM\nphishing\n", err,
	    sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, CMD_SPAM);
	assert_string_equal(l.v[0].arg, "");
	expect_error("#spam bob@x.example\n", "takes no argument");
	expect_error("#spam please\n", "takes no argument");
	expect_error("#spammer\n", "unknown command");
}

/* #send: alone, no argument; it is in the list agents get. */
static void
test_send(void **state)
{
	struct cmd_list l;
	char err[256];

	(void)state;
	assert_int_equal(commands_parse(&l, "#Send\n\nignored text\n", err,
	    sizeof(err)), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, CMD_SEND);
	assert_string_equal(l.v[0].arg, "");
	expect_error("#send now\n", "takes no argument");
	expect_error("#sender\n", "unknown command");
	assert_non_null(strstr(commands_help(), "#send"));
}

/* #time: the forms agents write, a day at most either way, never 0. */
static void
test_time(void **state)
{
	static const struct { const char *text; int minutes; } ok[] = {
		{ "#time 45m\n", 45 }, { "#TIME 2H\n", 120 },
		{ "#time 1h30\n", 90 }, { "#time 1h30m\n", 90 },
		{ "#time 1h05min\n", 65 }, { "#time 1:30\n", 90 },
		{ "#time 0:05\n", 5 }, { "#time 90min\n", 90 },
		{ "#time -15m\n", -15 }, { "#time 24h\n", 1440 },
		{ "#time -24h\n", -1440 }, { "#time 1440m\n", 1440 },
		{ "#time 23h59\n", 1439 }, { "#time 0h1\n", 1 },
	};
	static const char *const bad[] = { "#time\n", "#time 0m\n",
		"#time -0h\n", "#time 45\n", "#time 1441m\n",
		"#time 25h\n", "#time 24h01\n", "#time -1441m\n",
		"#time 99999h\n", "#time 999999m\n",
		"#time 99999999999999999999m\n", "#time 1h60\n",
		"#time 1:5\n", "#time 1:\n", "#time :30\n", "#time 1h30s\n",
		"#time 1hm\n", "#time 1d\n", "#time m\n", "#time --5m\n",
		"#time 1.5h\n", "#time 1h1h\n", "#time 1:30m\n",
		"#time lots\n" };
	struct cmd_list l;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(commands_parse(&l, ok[i].text, err,
		    sizeof(err)), 0);
		assert_int_equal(l.v[0].kind, CMD_TIME);
		assert_int_equal(l.v[0].minutes, ok[i].minutes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i], "expected #time");
	expect_error("#time 45m please\n", "unexpected text");
	assert_non_null(strstr(commands_help(), "#time SPENT"));
}

static void
test_new_errors(void **state)
{
	char big[12000];

	(void)state;
	expect_error("#cc\n", "expected #cc ADDRESS");
	expect_error("#cc bob\n", "expected #cc ADDRESS");
	expect_error("#cc @x\n", "expected #cc ADDRESS");
	expect_error("#cc a@b@c\n", "expected #cc ADDRESS");
	expect_error("#uncc <>\n", "expected #uncc ADDRESS");
	expect_error("#cc Bob <bob@x.example>\n", "unexpected text");
	memcpy(big, "#cc ", 4);
	memset(big + 4, 'a', 10000);
	memcpy(big + 10004, "@x.example\n", 12);
	expect_error(big, "argument too long");
	expect_error("#queue\n", "expected #queue NAME");
	expect_error("#queue a/b\n", "expected #queue NAME");
	expect_error("#tag\n", "expected #tag WORD");
	expect_error("#tag a;b\n", "unexpected text");
	expect_error("#untag\n", "expected #untag WORD");
	expect_error("#tag aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaa\n", "expected #tag WORD");
	expect_error("#split now\n", "takes no argument");
	expect_error("#help me\n", "takes no argument");
	expect_error("#reply ../../etc/passwd\n", "expected #reply NAME");
	expect_error("#reply a.txt\n", "expected #reply NAME");
	expect_error("#reply\n", "expected #reply NAME");
	expect_error("#eta\n", "expected #eta");
	expect_error("#eta tomorrow\n", "expected #eta");
	expect_error("#eta 2026-02-29 10:00\n", "expected #eta");
	expect_error("#eta 2026-12-05 24:00\n", "expected #eta");
	expect_error("#eta 2026-12-05 10:60\n", "expected #eta");
	expect_error("#eta 2026-13-05 10:00\n", "expected #eta");
	expect_error("#eta 2026-12-05 10:00 please\n", "expected #eta");
	expect_error("#eta 2026-12-05T10:00+15:00\n", "expected #eta");
	expect_error("#eta 2026-12-05T10:00Zx\n", "expected #eta");
}

/* The #incident commands keep the rest of their line, in place. */
static void
test_incident(void **state)
{
	struct cmd_list l;
	char err[256], *big;
	const char *text = "#Incident [api] Errors <b>\r\n"
	    "#incident-update  Fix going out \t\n#eta 2026-12-01 10:00\n"
	    "#incident-resolved\nText\n";

	(void)state;
	assert_int_equal(commands_parse(&l, text, err, sizeof(err)), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[0].kind, CMD_INCIDENT);
	assert_int_equal(l.v[0].textlen, strlen("[api] Errors <b>"));
	assert_memory_equal(l.v[0].text, "[api] Errors <b>", l.v[0].textlen);
	assert_int_equal(l.v[1].kind, CMD_INCIDENT_UPDATE);
	assert_memory_equal(l.v[1].text, "Fix going out", 13);
	assert_int_equal(l.v[1].textlen, 13);
	assert_int_equal(l.v[2].kind, CMD_ETA);
	assert_int_equal(l.v[3].kind, CMD_INCIDENT_RESOLVED);
	assert_int_equal(l.v[3].textlen, 0);
	assert_string_equal(text + l.body_offset, "Text\n");
	assert_int_equal(commands_parse(&l, "#incident\n", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "expected #incident TITLE"));
	assert_int_equal(commands_parse(&l, "#incident-update   \n", err,
	    sizeof(err)), -1);
	assert_int_equal(commands_parse(&l, "#incident-\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown command"));
	assert_int_equal(commands_parse(&l, "#-incident x\n", err,
	    sizeof(err)), -1);
	big = malloc(1024 * 1024 + 32);
	strcpy(big, "#incident-update ");
	memset(big + 17, 'x', 1024 * 1024);
	big[17 + 1024 * 1024] = '\0';
	assert_int_equal(commands_parse(&l, big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 2000 bytes"));
	assert_true(strlen(err) < 200);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_no_commands),
		cmocka_unit_test(test_all_kinds),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_language),
		cmocka_unit_test(test_new_kinds),
		cmocka_unit_test(test_eta_forms),
		cmocka_unit_test(test_remind),
		cmocka_unit_test(test_spam),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_incident),
		cmocka_unit_test(test_help_in_french),
		cmocka_unit_test(test_errors_in_french),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
