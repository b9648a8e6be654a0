/*
 * test_ini.c - the INI reader alone (conf/ini.h): what it keeps of good
 * input, and what it says of hostile input. Every odd file gives a
 * "file:line: ..." (or "file: ...") diagnostic or the behaviour ini.h
 * documents, and the lines after a bad one are still read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf/ini.h"

struct parsed {
	struct conf_section *s;
	size_t n;
	struct conf_diag d;
};

static void
parse(struct parsed *p, const char *text, size_t len)
{
	memset(p, 0, sizeof(*p));
	ini_parse(&p->s, &p->n, "t.ini", text, len, &p->d);
}

static void
parse_str(struct parsed *p, const char *text)
{
	parse(p, text, strlen(text));
}

static void
done(struct parsed *p)
{
	ini_sections_free(&p->s, &p->n);
	assert_null(p->s);
	assert_int_equal(p->n, 0);
	conf_diag_free(&p->d);
}

/* Whether one diagnostic is exactly want. */
static bool
has_diag(const struct parsed *p, const char *want)
{
	for (size_t i = 0; i < p->d.n; i++)
		if (strcmp(p->d.lines[i], want) == 0)
			return true;
	return false;
}

static void
test_good(void **state)
{
	struct parsed p;
	const struct conf_entry *e;

	(void)state;
	parse_str(&p,
	    "# comment\n"
	    "[Database]\n"
	    "ConnInfo = host=x   # after a blank: a comment\n"
	    "url = http://x/#frag\n"
	    "\n"
	    "[mailbox support]\n"
	    "  user\t=\tsupport  \n");
	assert_int_equal(p.d.n, 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.s[0].type, "database");   /* lower-cased */
	assert_null(p.s[0].name);
	assert_int_equal(p.s[0].line, 2);
	assert_string_equal(p.s[0].file, "t.ini");
	e = conf_section_entry(&p.s[0], "conninfo");
	assert_non_null(e);
	assert_string_equal(e->value, "host=x");
	assert_int_equal(e->line, 3);
	assert_false(e->used);
	/* a # inside a word is not a comment */
	assert_string_equal(conf_section_get(&p.s[0], "url"), "http://x/#frag");
	assert_string_equal(p.s[1].type, "mailbox");
	assert_string_equal(p.s[1].name, "support");
	assert_string_equal(conf_section_get(&p.s[1], "user"), "support");
	assert_null(conf_section_get(&p.s[1], "password"));
	done(&p);
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "[database]\nconninfo = a\0b\n";
	struct parsed p;

	(void)state;
	parse(&p, text, sizeof(text) - 1);
	assert_int_equal(p.d.n, 1);
	assert_string_equal(p.d.lines[0],
	    "t.ini: the file contains a NUL byte");
	assert_int_equal(p.n, 0);      /* nothing read from such a file */
	done(&p);
}

static void
test_huge_line(void **state)
{
	size_t big = 1024 * 1024;
	char *text = malloc(big + 64), *val;
	struct parsed p;
	size_t o;

	(void)state;
	assert_non_null(text);
	/* a 1 MB value is kept whole (the caller caps the file's size) */
	o = (size_t)sprintf(text, "[s]\nk = ");
	memset(text + o, 'v', big);
	o += big;
	o += (size_t)sprintf(text + o, "\nafter = 1\n");
	parse(&p, text, o);
	assert_int_equal(p.d.n, 0);
	val = (char *)conf_section_get(&p.s[0], "k");
	assert_non_null(val);
	assert_int_equal(strlen(val), big);
	assert_int_equal(conf_section_entry(&p.s[0], "after")->line, 3);
	done(&p);

	/* a 1 MB line without `=` is one error, with its line */
	o = (size_t)sprintf(text, "[s]\n");
	memset(text + o, 'x', big);
	o += big;
	o += (size_t)sprintf(text + o, "\nafter = 1\n");
	parse(&p, text, o);
	assert_int_equal(p.d.n, 1);
	assert_string_equal(p.d.lines[0], "t.ini:2: expected `key = value`");
	assert_string_equal(conf_section_get(&p.s[0], "after"), "1");
	done(&p);

	/* and a 1 MB section header that never closes */
	text[0] = '[';
	memset(text + 1, 'y', big);
	o = big + 1;
	o += (size_t)sprintf(text + o, "\n");
	parse(&p, text, o);
	assert_int_equal(p.d.n, 1);
	assert_true(has_diag(&p, "t.ini:1: malformed section header "
	    "(expected [type] or [type name])"));
	done(&p);
	free(text);
}

static void
test_unterminated_section(void **state)
{
	struct parsed p;

	(void)state;
	parse_str(&p,
	    "[database\n"
	    "conninfo = x\n"
	    "[smtp] trailing\n"
	    "[bad type]\n"
	    "[ok \"quoted\"]\n"
	    "[]\n"
	    "[smtp]\n"
	    "url = smtp://x\n");
	assert_true(has_diag(&p, "t.ini:1: malformed section header "
	    "(expected [type] or [type name])"));
	/* the key under a refused header belongs to no section */
	assert_true(has_diag(&p, "t.ini:2: key \"conninfo\" outside of any "
	    "section"));
	assert_true(has_diag(&p, "t.ini:3: malformed section header "
	    "(expected [type] or [type name])"));
	assert_true(has_diag(&p, "t.ini:5: malformed section header "
	    "[ok \"quoted\"]"));
	assert_true(has_diag(&p, "t.ini:6: malformed section header []"));
	assert_int_equal(p.d.n, 5);
	/* [bad type] is type "bad", name "type"; the last one is read */
	assert_int_equal(p.n, 2);
	assert_string_equal(p.s[0].type, "bad");
	assert_string_equal(p.s[0].name, "type");
	assert_string_equal(conf_section_get(&p.s[1], "url"), "smtp://x");
	done(&p);
}

static void
test_key_without_value(void **state)
{
	struct parsed p;
	const struct conf_entry *e;

	(void)state;
	parse_str(&p,
	    "[s]\n"
	    "empty =\n"
	    "lonely\n"
	    "= no key\n"
	    "bad key! = 1\n");
	e = conf_section_entry(&p.s[0], "empty");
	assert_non_null(e);
	assert_string_equal(e->value, "");    /* the schema decides */
	assert_true(has_diag(&p, "t.ini:3: expected `key = value`"));
	assert_true(has_diag(&p, "t.ini:4: malformed key \"\""));
	assert_true(has_diag(&p, "t.ini:5: malformed key \"bad key!\""));
	assert_int_equal(p.d.n, 3);
	assert_int_equal(p.s[0].nentries, 1);
	done(&p);
}

static void
test_duplicate_keys(void **state)
{
	struct parsed p;

	(void)state;
	parse_str(&p,
	    "[s]\n"
	    "k = first\n"
	    "k = second\n"
	    "[t]\n"
	    "k = elsewhere\n");
	assert_int_equal(p.d.n, 1);
	assert_string_equal(p.d.lines[0],
	    "t.ini:3: duplicate key \"k\" (first at line 2)");
	/* both kept, in order; the lookup gives the first */
	assert_int_equal(p.s[0].nentries, 2);
	assert_string_equal(p.s[0].entries[1].value, "second");
	assert_string_equal(conf_section_get(&p.s[0], "k"), "first");
	assert_string_equal(conf_section_get(&p.s[1], "k"), "elsewhere");
	done(&p);
	/* keys are case-blind: a key in capitals repeats its lower case */
	parse_str(&p,
	    "[s]\n"
	    "Max_Rcpts = 10\n"
	    "max_rcpts = 20000\n");
	assert_int_equal(p.d.n, 1);
	assert_string_equal(p.d.lines[0],
	    "t.ini:3: duplicate key \"max_rcpts\" (first at line 2)");
	done(&p);
}

static void
test_crlf(void **state)
{
	struct parsed p;

	(void)state;
	parse_str(&p,
	    "[mailbox support]\r\n"
	    "user = support\r\n"
	    "\r\n"
	    "pass = x   # comment\r\n"
	    "oops\r\n");
	assert_int_equal(p.n, 1);
	assert_string_equal(p.s[0].name, "support");
	assert_string_equal(conf_section_get(&p.s[0], "user"), "support");
	assert_string_equal(conf_section_get(&p.s[0], "pass"), "x");
	assert_int_equal(conf_section_entry(&p.s[0], "pass")->line, 4);
	assert_int_equal(p.d.n, 1);
	assert_string_equal(p.d.lines[0], "t.ini:5: expected `key = value`");
	done(&p);
}

static void
test_not_utf8(void **state)
{
	struct parsed p;

	(void)state;
	/* Latin-1 bytes: kept as they are in values and names, refused in
	 * keys and types (which are ASCII identifiers). */
	parse_str(&p,
	    "[agent caf\xe9]\n"
	    "name = Andr\xe9 \xff\xfe\n"
	    "cl\xe9 = 1\n"
	    "[\xc3\x28]\n"
	    "k = \x80\n");
	assert_true(has_diag(&p, "t.ini:3: malformed key \"cl\xe9\""));
	assert_true(has_diag(&p, "t.ini:4: malformed section header "
	    "[\xc3\x28]"));
	assert_true(has_diag(&p, "t.ini:5: key \"k\" outside of any "
	    "section"));
	assert_int_equal(p.d.n, 3);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.s[0].name, "caf\xe9");
	assert_string_equal(conf_section_get(&p.s[0], "name"),
	    "Andr\xe9 \xff\xfe");
	done(&p);
}

static void
test_no_final_newline_and_empty(void **state)
{
	struct parsed p;

	(void)state;
	parse_str(&p, "");
	assert_int_equal(p.n, 0);
	assert_int_equal(p.d.n, 0);
	done(&p);
	parse_str(&p, "[s]\nk = v");
	assert_string_equal(conf_section_get(&p.s[0], "k"), "v");
	done(&p);
	/* a file of newlines only: line numbers still count */
	parse_str(&p, "\n\n\n\n[s\n");
	assert_string_equal(p.d.lines[0], "t.ini:5: malformed section header "
	    "(expected [type] or [type name])");
	done(&p);
}

static void
test_appends(void **state)
{
	struct parsed p;

	(void)state;
	/* a second file's sections go after the first's, with its name */
	parse_str(&p, "[a]\nk = 1\n");
	ini_parse(&p.s, &p.n, "u.ini", "[b]\nk = 2\n", 10, &p.d);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.s[0].file, "t.ini");
	assert_string_equal(p.s[1].file, "u.ini");
	assert_string_equal(conf_section_get(&p.s[1], "k"), "2");
	done(&p);
}

static void
test_ident(void **state)
{
	(void)state;
	assert_true(ini_valid_ident("mailbox"));
	assert_true(ini_valid_ident("a.b-c_9"));
	assert_false(ini_valid_ident(""));
	assert_false(ini_valid_ident("a b"));
	assert_false(ini_valid_ident("caf\xc3\xa9"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_huge_line),
		cmocka_unit_test(test_unterminated_section),
		cmocka_unit_test(test_key_without_value),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_no_final_newline_and_empty),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_ident),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
