/*
 * test_commands.c - agents' #commands: the block at the top, its end, and
 * the line named when something is wrong
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
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
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_no_commands),
		cmocka_unit_test(test_all_kinds),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
