/*
 * test_confirm.c - a customer's answer to a resolution: a confirmation,
 * a "still broken", or neither (parsers/confirm.c)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/confirm.h"

/* conf/conf.c's default confirm_phrases */
static const char *const phrases[] = { "c'est résolu", "c'est réglé",
	"c'est bon pour nous", "vous pouvez fermer", "vous pouvez clôturer",
	"problème résolu", "ça fonctionne", "ça marche", "it works",
	"it is working", "you can close", "problem solved", "issue resolved",
	"works now", "please close" };
#define NPHRASES (sizeof(phrases) / sizeof(phrases[0]))

static void
expect(const char *const *texts, enum confirm_verdict v)
{
	for (size_t i = 0; texts[i] != NULL; i++) {
		enum confirm_verdict got = confirm_read(texts[i], phrases,
		    NPHRASES);

		if (got != v)
			fail_msg("\"%s\": %d, not %d", texts[i], (int)got,
			    (int)v);
	}
}

static void
test_confirmations(void **state)
{
	static const char *const yes[] = {
		"Ça marche, merci !",
		"C'EST RÉSOLU, merci",
		"c\xe2\x80\x99" "est r\xc3\xa9gl\xc3\xa9, merci beaucoup",
		"ca marche merci",
		"It works, thank you so much!",
		"Thanks!\nIt works now.\n\nBest regards,\nBob",
		"Vous pouvez fermer ?",
		"Pas de souci, ça fonctionne maintenant.",
		"No problem, it works now.",
		"It works again, thanks",
		"Ça marche toujours, merci.",
		"Toujours aussi rapide, ça marche",
		NULL,
	};

	(void)state;
	expect(yes, CONFIRM_YES);
}

static void
test_still_broken(void **state)
{
	static const char *const no[] = {
		/* a phrase, or the solution, beside a negation */
		"Non, ça marche pas mieux",
		"ça fonctionne pas du tout",
		"It works on Chrome but not on Firefox, still broken",
		"Nothing works now",
		"It doesn't work",
		"it isn\xe2\x80\x99t fixed",
		"Ça ne marche toujours pas",
		"Le problème n'est pas résolu",
		"Ca ne\nmarche pas",
		"It WORKS NOT",
		/* a word of the problem beside "toujours" */
		"Ça marche.\n\nMais le rapport est toujours vide",
		"The export is still empty",
		"Toujours aussi lent",
		/* the problem, still there */
		"Still broken",
		"Toujours le même problème.",
		"1 - still broken",
		"the same error again",
		NULL,
	};

	(void)state;
	expect(no, CONFIRM_NO);
}

static void
test_neither(void **state)
{
	static const char *const none[] = {
		"Merci, je teste demain.",
		"It works, thanks. Could you also look at the export?",
		"Ça fonctionne. Par contre, l'export reste lent.",
		"It works, but only after a restart",
		"4 - quick and kind\nThanks a lot",
		"ça marcherait si le serveur répondait",
		"",
		"   \n\n  ",
		NULL,
	};

	(void)state;
	expect(none, CONFIRM_NONE);
}

static void
test_thanks(void **state)
{
	static const char *const thanks[] = {
		"Merci beaucoup !",
		"merci",
		"Thanks a lot, have a nice day!",
		"Merci pour votre aide.\nBonne journ\xc3\xa9" "e\n\nJean Dupont\n"
		"ACME SA\n+33 1 23 45 67 89",
		"Thank you very much!\n\n-- \nJane Roe\nHead of IT, ACME\n"
		"jane@acme.example\nThis mail is confidential.",
		"Encore merci \xc3\xa0 toute l'\xc3\xa9quipe\n\nEnvoy\xc3\xa9 de "
		"mon iPhone",
		"Thanks!\n\nSent from my phone",
		"Merci\n\nJean\nACME\nParis\nFrance",
		/* the corporate signatures of real mail: no "--", a title,
		 * numbers, a link */
		"Merci beaucoup !\n\nJean Dupont\nResponsable informatique\n"
		"ACME S.A.\nT\xc3\xa9l. : +33 1 23 45 67 89\n"
		"www.acme.example",
		"Thank you so much\nJane Roe\nHead of IT | ACME Ltd.\n"
		"Mobile: +44 (0)7700 900123\nhttps://acme.example",
		"Merci pour votre aide,\nbonne journ\xc3\xa9" "e\n\n"
		"Marie Curie\nChef de projet\nFixe : 01 23 45 67 89\n"
		"Portable : 06 12 34 56 78\nmarie.curie@acme.example",
		"Thanks!\nJ. Smith\nIT manager",
		NULL,
	};
	static const char *const not_thanks[] = {
		"Thanks! Could you also check the export?",
		"Merci.\n\nAutre souci : l'export est vide.",
		"Merci.\n\nL'export est vide",
		"Merci d'avance",
		"Thanks, I will test tomorrow",
		/* past six lines of names, or a line that says more */
		"Merci\n\nJean\nACME\nParis\nFrance\nEurope\nTerre\nSol",
		"Merci\n\nJean Dupont\nLe Serveur Est En Panne",
		"Merci\n\nJean Dupont\nStill Broken",
		"Merci\n\nJean Dupont\nLe serveur ne r\xc3\xa9pond plus",
		"Thanks\nJane\nIt works on Chrome but not on Firefox",
		"Thanks\nHead of IT\nThe export is empty.",
		"Merci\n\nResponsable informatique\nmais l'export plante",
		"Merci\n\nService informatique : l'export est vide",
		"Merci\n\nACME SA\nNothing Works Now",
		"Merci\n\nJean\nDirecteur technique, l'export est encore vide "
		"ce matin apr\xc3\xa8s votre correctif de la veille",
		"Merci " "merci merci merci merci merci merci merci merci merci "
		"merci merci merci merci merci merci merci merci merci merci "
		"merci merci merci merci merci merci merci merci merci merci "
		"merci merci merci merci merci merci merci merci merci merci "
		"merci merci merci merci merci merci merci merci merci merci "
		"merci merci merci merci merci merci merci merci merci merci "
		"merci merci merci merci merci merci merci merci merci merci",
		"Bonne journ\xc3\xa9" "e",
		NULL,
	};

	(void)state;
	expect(thanks, CONFIRM_THANKS);
	for (size_t i = 0; not_thanks[i] != NULL; i++)
		if (confirm_read(not_thanks[i], phrases, NPHRASES) ==
		    CONFIRM_THANKS)
			fail_msg("\"%s\": taken for thanks", not_thanks[i]);
	/* thanks beside a complaint: the complaint */
	assert_int_equal(confirm_read("Merci, mais \xc3\xa7" "a ne marche pas",
	    phrases, NPHRASES), CONFIRM_NO);
}

static void
test_hostile(void **state)
{
	static const char *const few[] = { "", "\xff\xfe", "ça marche" };
	size_t big = 200 * 1024;
	char *t = malloc(big + 16);

	(void)state;
	assert_non_null(t);
	/* past what is read, a confirmation is not seen: it is no short
	 * answer */
	memset(t, 'a', big);
	t[0] = ' ';
	strcpy(t + big, " it works");
	assert_int_equal(confirm_read(t, phrases, NPHRASES), CONFIRM_NONE);
	/* a long answer that confirms at its start still does */
	memcpy(t, "It works. ", 10);
	for (size_t i = 10; i < big; i++)
		t[i] = i % 7 == 0 ? ' ' : 'b';
	assert_int_equal(confirm_read(t, phrases, NPHRASES), CONFIRM_YES);
	free(t);
	/* bytes that are no UTF-8, empty phrases, no phrases */
	assert_int_equal(confirm_read("\xc3 \xff" "ça marche \xe2\x80", few, 3),
	    CONFIRM_YES);
	assert_int_equal(confirm_read("ça marche", few, 2), CONFIRM_NONE);
	assert_int_equal(confirm_read("ça marche", NULL, 0), CONFIRM_NONE);
	assert_int_equal(confirm_read("ça ne marche pas", NULL, 0),
	    CONFIRM_NO);
}

/* A rating's comment without the signature under it; a text that is
 * all signature, or whose last paragraph says something, kept whole. */
static void
test_before_signature(void **state)
{
	static const struct {
		const char *text, *kept;
	} v[] = {
		{ "c'est bon, merci ! L'export fonctionne.\n\nMarc\n",
		  "c'est bon, merci ! L'export fonctionne." },
		{ "Rapide et clair.\n\nJean Dupont\nResponsable "
		  "informatique\nT\u00e9l. : +33 1 23 45 67 89\n",
		  "Rapide et clair." },
		{ "Quick.\r\n\r\nSent from my iPhone\r\n", "Quick." },
		{ "Top.\n-- \nanything at all, even a long line that no "
		  "signature's line would be\n", "Top." },
		{ "Top.\n\u2014 Jean\n", "Top." },
		/* all signature: kept */
		{ "Jean Dupont\n", "Jean Dupont" },
		{ "--\nJean\n", "--\nJean" },
		/* the last paragraph says something: kept */
		{ "Merci.\n\nLe Serveur Est En Panne\n",
		  "Merci.\n\nLe Serveur Est En Panne" },
		{ "Merci.\n\nStill slow on Mondays.\n",
		  "Merci.\n\nStill slow on Mondays." },
		/* seven short lines are no signature */
		{ "Ok.\n\nA B\nC D\nE F\nG H\nI J\nK L\nM N\n",
		  "Ok.\n\nA B\nC D\nE F\nG H\nI J\nK L\nM N" },
		{ "", "" }, { "\n\n  \n", "" },
		{ "no signature here  \n\n", "no signature here" },
		/* a dash in a sentence is no delimiter */
		{ "Fast -- really.\n", "Fast -- really." },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = confirm_before_signature(v[i].text);

		if (n != strlen(v[i].kept) ||
		    strncmp(v[i].text, v[i].kept, n) != 0)
			fail_msg("case %zu: kept %zu bytes \"%.*s\"", i, n,
			    (int)n, v[i].text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confirmations),
		cmocka_unit_test(test_still_broken),
		cmocka_unit_test(test_neither),
		cmocka_unit_test(test_thanks),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_before_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
