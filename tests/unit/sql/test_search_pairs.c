/*
 * test_search_pairs.c - the word pairs each phrase of a query asks the
 * index for (sql/search_db.h, search_pairs_query()): only pairs every
 * match of that phrase holds, where the phrase stands in the query, from
 * a tsquery's text as PostgreSQL writes it, whatever a user typed
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sql/search_db.h"

/* pairs of tree, or NULL when it gives none */
static char *
pairs(const char *tree, int *n_r)
{
	struct buf b = BUF_INIT(65536);
	int n = search_pairs_query(tree, &b);

	*n_r = n;
	if (n <= 0) {
		assert_int_equal(b.len, 0);
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void
check(const char *tree, int want_n, const char *want)
{
	int n;
	char *got = pairs(tree, &n);

	assert_int_equal(n, want_n);
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

#define P(x) "( " x " & ( "
#define Z " | 'ZP' ) ) "

static void
test_phrases(void **state)
{
	(void)state;
	check("'paper' <-> 'jam'", 1, P("'paper' <-> 'jam'") "'paper jam'" Z);
	check("'paper' <1> 'jam'", 1, P("'paper' <1> 'jam'") "'paper jam'" Z);
	/* a stop word inside: the words one after the other all the same */
	check("'mot' <2> 'pass'", 1, P("'mot' <2> 'pass'") "'mot  pass'" Z);
	check("'a' <8> 'b'", 1, P("'a' <8> 'b'") "'a        b'" Z);
	check("'a' <08> 'b'", 1, P("'a' <08> 'b'") "'a        b'" Z);
	check("'a' <-> 'b' <-> 'c'", 2,
	    P("'a' <-> 'b' <-> 'c'") "'a b' & 'b c'" Z);
	/* with words, OR, NOT, groups: each phrase where it stands */
	check("'paper' <-> 'jam' & 'printer'", 1,
	    P("'paper' <-> 'jam'") "'paper jam'" Z "& 'printer' ");
	check("'paper' <-> 'jam' | 'toner'", 1,
	    P("'paper' <-> 'jam'") "'paper jam'" Z "| 'toner' ");
	check("'toner' & !( 'paper' <-> 'jam' )", 1, "'toner' & ! ( "
	    P("'paper' <-> 'jam'") "'paper jam'" Z ") ");
	check("'paper' <-> 'jam' & 'mot' <2> 'pass'", 2,
	    P("'paper' <-> 'jam'") "'paper jam'" Z "& "
	    P("'mot' <2> 'pass'") "'mot  pass'" Z);
}

static void
test_no_pairs(void **state)
{
	(void)state;
	/* no phrase */
	check("'paper' & 'jam'", 0, NULL);
	check("'paper' | !'jam'", 0, NULL);
	check("'paper'", 0, NULL);
	check("", 0, NULL);
	/* the same position, a phrase of groups, a NOT on one word of it */
	check("'a' <0> 'b'", 0, NULL);
	check("'a' <00> 'b'", 0, NULL);
	/* more than 8 apart: no pair in any mail */
	check("'a' <9> 'b'", 0, NULL);
	check("'a' <16384> 'b'", 0, NULL);
	check("'a' <008> 'b'", 0, NULL);
	check("( 'a' & 'b' ) <-> 'c'", 0, NULL);
	check("'a' <-> ( 'b' & 'c' )", 0, NULL);
	check("!'a' <-> 'b'", 0, NULL);
	check("'x' & !'a' <-> 'b'", 0, NULL);
}

static void
test_left_as_they_are(void **state)
{
	(void)state;
	/* a prefix or a weight: that phrase as it is, the others paired */
	check("'pap':* <-> 'jam'", 0, NULL);
	check("'pap':AB <-> 'jam' & 'a' <-> 'b'", 1,
	    "'pap':AB <-> 'jam' & " P("'a' <-> 'b'") "'a b'" Z);
}

static void
test_quoting_kept(void **state)
{
	(void)state;
	/* a quote or a backslash in a lexeme stays doubled, as tsquery
	 * reads it back */
	check("'o''brien' <-> 'x\\\\y'", 1,
	    P("'o''brien' <-> 'x\\\\y'") "'o''brien x\\\\y'" Z);
	check("'''' <-> 'a'''", 1, P("'''' <-> 'a'''") "''' a'''" Z);
}

static void
test_hostile_text(void **state)
{
	char *big;
	int n;

	(void)state;
	/* unterminated, unknown characters, half an operator */
	check("'abc", 0, NULL);
	check("'a' <-> 'b\\", 0, NULL);
	check("'a' <- 'b'", 0, NULL);
	check("'a' <1 'b'", 0, NULL);
	check("'a' # 'b'", 0, NULL);
	check("'a' <-> 'b''", 0, NULL);
	check("'a' <->", 0, NULL);
	check("<-> 'a'", 0, NULL);
	/* a pair longer than a lexeme may be is in no mail: the phrase
	 * asks for the mails whose pairs were not kept */
	big = malloc(3000);
	assert_non_null(big);
	memset(big, 'x', 2999);
	big[0] = '\'';
	memcpy(big + 2500, "' <-> 'y'", 10);
	free(pairs(big, &n));
	assert_int_equal(n, 0);
	free(big);
	/* many phrases: pairs up to the cap, the phrases after it as they
	 * are */
	big = malloc(40000);
	assert_non_null(big);
	big[0] = '\0';
	for (int i = 0; i < 10; i++)
		strcat(big, i ? " <-> 'w'" : "'w'");
	for (int i = 0; i < 1000; i++)
		strcat(big, i ? " <-> 'v'" : " & 'v'");
	free(pairs(big, &n));
	assert_int_equal(n, 9);
	free(big);
}

static void
test_full_buffer(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(search_pairs_query("'paper' <-> 'jam'", &b), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_no_pairs),
		cmocka_unit_test(test_left_as_they_are),
		cmocka_unit_test(test_quoting_kept),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_full_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
