/*
 * test_agentauth.c - the HMAC tokens that tell an agent's reply from a
 * forged one
 *
 * Each Message-ID is built the way our mails build it (compose.c after
 * agentauth_hint(), or agentauth_thread_root()), then checked: the right
 * agent on the right ticket passes; a wrong token, another agent's,
 * another ticket's, another key's, or the Message-ID of a mail the
 * customer receives (the acknowledgement) does not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/mem.h"
#include "desk/agentauth.h"
#include "notify/compose.h"

#define DOMAIN "example.com"
#define TOKEN_LEN 26

static struct agentauth_key k1, k2;
static struct arena a;

static int
setup(void **state)
{
	(void)state;
	memcpy(k1.v, "0123456789abcdef0123456789abcdef", 32);
	k1.len = 32;
	memcpy(k2.v, "0123456789abcdef0123456789abcdeF", 32);
	k2.len = 32;
	arena_init(&a, 4096);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(&a);
	return 0;
}

/* The Message-ID of a notification to agent about ticket, as sent. */
static const char *
notification_id(const struct agentauth_key *k, int64_t ticket,
    const char *agent)
{
	char hint[200];

	agentauth_hint(hint, sizeof(hint), k, ticket, agent);
	return compose_message_id(&a, DOMAIN, hint);
}

static const char *
root_id(const struct agentauth_key *k, int64_t ticket, const char *agent)
{
	char root[400];

	agentauth_thread_root(root, sizeof(root), k, ticket, agent, DOMAIN);
	return arena_strdup(&a, root);
}

/* Where the token starts in "n-<id>-<token>-...". */
static size_t
token_at(const char *id)
{
	const char *p = strchr(id + 2, '-');

	assert_non_null(p);
	return (size_t)(p + 1 - id);
}

static void
test_right_agent_right_ticket(void **state)
{
	(void)state;
	assert_true(agentauth_check_id(&k1, notification_id(&k1, 42,
	    "alice"), 42, "alice"));
	assert_true(agentauth_check_id(&k1, root_id(&k1, 42, "alice"), 42,
	    "alice"));
	/* the same agent, other tickets, other ids */
	assert_true(agentauth_check_id(&k1, notification_id(&k1, 1,
	    "alice"), 1, "alice"));
	assert_true(agentauth_check_id(&k1, notification_id(&k1, INT64_MAX,
	    "alice"), INT64_MAX, "alice"));
	/* every notification has its own Message-ID, each one passes */
	assert_string_not_equal(notification_id(&k1, 42, "alice"),
	    notification_id(&k1, 42, "alice"));
}

static void
test_wrong_token(void **state)
{
	const char *good = notification_id(&k1, 42, "alice");
	size_t at = token_at(good);

	(void)state;
	/* any one character of the token changed */
	for (size_t i = at; i < at + TOKEN_LEN; i++) {
		char *bad = arena_strdup(&a, good);

		bad[i] = bad[i] == 'a' ? 'b' : 'a';
		assert_false(agentauth_check_id(&k1, bad, 42, "alice"));
	}
	/* upper case is another token */
	{
		char *bad = arena_strdup(&a, good);

		for (size_t i = at; i < at + TOKEN_LEN; i++)
			if (bad[i] >= 'a' && bad[i] <= 'z')
				bad[i] = (char)(bad[i] - 'a' + 'A');
		assert_false(agentauth_check_id(&k1, bad, 42, "alice"));
	}
	/* a token cut short, or missing */
	assert_false(agentauth_check_id(&k1, arena_strndup(&a, good,
	    at + TOKEN_LEN - 1), 42, "alice"));
	assert_false(agentauth_check_id(&k1, arena_printf(&a,
	    "n-42--alice.x@" DOMAIN), 42, "alice"));
	assert_false(agentauth_check_id(&k1, arena_printf(&a,
	    "n-42-%.*s", (int)TOKEN_LEN, good + at), 42, "alice"));
	/* nothing at all */
	assert_false(agentauth_check_id(&k1, NULL, 42, "alice"));
	assert_false(agentauth_check_id(&k1, "", 42, "alice"));
	assert_false(agentauth_check_id(&k1, good, 42, NULL));
	assert_false(agentauth_check_id(&k1, good, 42, ""));
}

static void
test_another_agents_token(void **state)
{
	const char *bruno = notification_id(&k1, 42, "bruno");
	size_t at = token_at(bruno);

	(void)state;
	assert_false(agentauth_check_id(&k1, bruno, 42, "alice"));
	assert_false(agentauth_check_id(&k1, root_id(&k1, 42, "bruno"), 42,
	    "alice"));
	/* bruno's token with alice's name written after it */
	assert_false(agentauth_check_id(&k1, arena_printf(&a,
	    "n-42-%.*s-alice.x@" DOMAIN, TOKEN_LEN, bruno + at), 42,
	    "alice"));
	/* names that differ by case or by a suffix are other agents */
	assert_false(agentauth_check_id(&k1, notification_id(&k1, 42,
	    "Alice"), 42, "alice"));
	assert_false(agentauth_check_id(&k1, notification_id(&k1, 42,
	    "alice2"), 42, "alice"));
	assert_false(agentauth_check_id(&k1, notification_id(&k1, 42,
	    "alice"), 42, "alice2"));
}

static void
test_another_tickets_token(void **state)
{
	const char *other = notification_id(&k1, 43, "alice");
	size_t at = token_at(other);

	(void)state;
	assert_false(agentauth_check_id(&k1, other, 42, "alice"));
	assert_false(agentauth_check_id(&k1, root_id(&k1, 43, "alice"), 42,
	    "alice"));
	/* ticket 43's token with 42 written before it */
	assert_false(agentauth_check_id(&k1, arena_printf(&a,
	    "n-42-%.*s-alice.x@" DOMAIN, TOKEN_LEN, other + at), 42,
	    "alice"));
	/* ids that print alike: 4 and 42, 0 and -0, negative ids */
	assert_false(agentauth_check_id(&k1, notification_id(&k1, 4,
	    "alice"), 42, "alice"));
	assert_false(agentauth_check_id(&k1, notification_id(&k1, 0,
	    "alice"), 42, "alice"));
	assert_false(agentauth_check_id(&k1, notification_id(&k1, -42,
	    "alice"), 42, "alice"));
}

static void
test_another_key(void **state)
{
	(void)state;
	assert_false(agentauth_check_id(&k1, notification_id(&k2, 42,
	    "alice"), 42, "alice"));
	assert_false(agentauth_check_id(&k2, notification_id(&k1, 42,
	    "alice"), 42, "alice"));
}

/* What a customer sees of our Message-IDs (the acknowledgement, the
 * updates) carries no token: copied into a forged reply it proves
 * nothing. */
static void
test_customer_mail_ids(void **state)
{
	static const char *const purposes[] = { "ack", "update",
		"resolution", "rca", "closed", "reopened", NULL };

	(void)state;
	for (int i = 0; purposes[i]; i++) {
		const char *id = compose_message_id(&a, DOMAIN, purposes[i]);

		assert_false(agentauth_check_id(&k1, id, 42, "alice"));
	}
	assert_false(agentauth_check_id(&k1, "open-1@cust.example", 42,
	    "alice"));
	assert_false(agentauth_check_id(&k1, "n-42-x.thread@" DOMAIN, 42,
	    "alice"));
}

/* Every name the config accepts for an agent (letters, digits, - _ .)
 * round-trips through the Message-ID our mails really carry, however
 * the composer cleans and shortens the hint. */
static void
test_agent_names(void **state)
{
	char long1[301], long2[301];
	static const char *const names[] = { "jean-luc.o_brien", "a..b",
		"x.", ".x", "A", "0", NULL };

	(void)state;
	for (int i = 0; names[i]; i++) {
		assert_true(agentauth_check_id(&k1, notification_id(&k1, 7,
		    names[i]), 7, names[i]));
		assert_true(agentauth_check_id(&k1, root_id(&k1, 7,
		    names[i]), 7, names[i]));
	}
	/* long names, alike for 299 characters: each its own token */
	memset(long1, 'n', 300);
	long1[300] = '\0';
	memcpy(long2, long1, sizeof(long2));
	long2[299] = 'm';
	assert_true(agentauth_check_id(&k1, notification_id(&k1, 7, long1),
	    7, long1));
	assert_false(agentauth_check_id(&k1, notification_id(&k1, 7, long2),
	    7, long1));
	assert_false(agentauth_check_id(&k1, notification_id(&k1, 7, long1),
	    7, long2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_agent_right_ticket),
		cmocka_unit_test(test_wrong_token),
		cmocka_unit_test(test_another_agents_token),
		cmocka_unit_test(test_another_tickets_token),
		cmocka_unit_test(test_another_key),
		cmocka_unit_test(test_customer_mail_ids),
		cmocka_unit_test(test_agent_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
