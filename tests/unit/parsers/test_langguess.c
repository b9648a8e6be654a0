/*
 * test_langguess.c - which of French and English a customer wrote in
 *
 * Mails as customers write them, in each language; texts too short or
 * too mixed to say; elisions, contractions, accents, the no-break spaces
 * of French typography; the Content-Language header; and what a careless
 * or hostile sender sends (bytes that are no UTF-8, a text of megabytes,
 * a single word repeated).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "parsers/langguess.h"

static const char *
guess(const char *text)
{
	return lang_guess_text(text, strlen(text));
}

static void
assert_lang(const char *got, const char *want)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("guessed %s, expected %s", got ? got : "nothing",
		    want ? want : "nothing");
}

static void
test_customers_mails(void **state)
{
	(void)state;
	assert_lang(guess("Hello,\n\nIs there a way to export all our 2026 "
	    "invoices as a CSV file?\n\nThanks,\nTom\n"), "en");
	assert_lang(guess("Bonjour,\n\nLa production est indisponible depuis "
	    "9h, plus aucun client ne peut se connecter.\n\nCordialement,\n"
	    "Claire\n"), "fr");
	assert_lang(guess("Hi team, the password reset link I received this "
	    "morning says it has expired. Could you send a new one?"), "en");
	assert_lang(guess("Erreur à l'import du fichier : le fichier est "
	    "refusé."), "fr");
	/* no little word, but accents */
	assert_lang(guess("Problème réseau, accès bloqué, délai dépassé"),
	    "fr");
	/* capitals and an accented capital */
	assert_lang(guess("BONJOUR, NOUS AVONS UN PROBLÈME AVEC LA FACTURE"),
	    "fr");
	assert_lang(guess("HELLO, WE HAVE A PROBLEM WITH THE INVOICE"), "en");
}

static void
test_elisions_and_contractions(void **state)
{
	(void)state;
	/* "l'", "d'", "qu'", "j'" are French; with the curly apostrophe too */
	assert_lang(guess("j'ai l'erreur d'import qu'on m'a signalée"), "fr");
	assert_lang(guess("j\xe2\x80\x99" "ai l\xe2\x80\x99" "erreur d\xe2\x80"
	    "\x99" "import"), "fr");
	/* "don't", "I'm", "we've", "it'll": English */
	assert_lang(guess("I'm sorry, we've tried but it don't work and it'll "
	    "fail"), "en");
	assert_lang(guess("I\xe2\x80\x99m stuck, we don\xe2\x80\x99t know "
	    "why"), "en");
}

static void
test_french_typography(void **state)
{
	(void)state;
	/* a no-break space before "?" and "!", guillemets: the words stay
	 * words */
	assert_lang(guess("Bonjour\xc2\xa0! Pouvez-vous nous aider\xc2\xa0? "
	    "Le message \xc2\xab" "erreur\xc2\xbb revient."), "fr");
	assert_lang(guess("merci\xe2\x80\xafpour\xe2\x80\xafvotre aide"),
	    "fr");
}

static void
test_not_enough_to_say(void **state)
{
	(void)state;
	assert_lang(guess(""), NULL);
	assert_lang(guess("Mail number 1."), NULL);
	assert_lang(guess("Help 42"), NULL);
	assert_lang(guess("OK"), NULL);
	assert_lang(guess("ERROR 500 /api/v2/orders"), NULL);
	/* two languages at once: nothing */
	assert_lang(guess("Bonjour, nous avons un souci. Hello, we have an "
	    "issue."), NULL);
	/* words both languages have are in neither list */
	assert_lang(guess("on a me son but"), NULL);
	assert_lang(lang_guess_text(NULL, 0), NULL);
}

static void
test_header(void **state)
{
	(void)state;
	assert_lang(lang_guess_header("en-US"), "en");
	assert_lang(lang_guess_header("fr-FR"), "fr");
	assert_lang(lang_guess_header(" FR"), "fr");
	assert_lang(lang_guess_header("en, fr"), "en");
	assert_lang(lang_guess_header("de-DE"), NULL);
	assert_lang(lang_guess_header("fra"), NULL);
	assert_lang(lang_guess_header("english"), NULL);
	assert_lang(lang_guess_header(""), NULL);
	assert_lang(lang_guess_header(NULL), NULL);
	assert_lang(lang_guess_header("e"), NULL);
}

static void
test_text_then_header(void **state)
{
	(void)state;
	/* the subject counts with the text */
	assert_lang(lang_guess("Is the export of the invoices possible?",
	    "Thanks", NULL), "en");
	/* the words win over the header */
	assert_lang(lang_guess("Facture", "Bonjour, je ne trouve pas la "
	    "facture de novembre dans votre espace.", "en-US"), "fr");
	/* too little text: the header says */
	assert_lang(lang_guess("Invoice", "See attached.", "en-GB"), "en");
	assert_lang(lang_guess("Facture", "Ci-joint.", "fr"), "fr");
	/* nothing either way */
	assert_lang(lang_guess("Invoice 42", "", "de"), NULL);
	assert_lang(lang_guess(NULL, NULL, NULL), NULL);
}

static void
test_hostile(void **state)
{
	size_t big = 8 * 1024 * 1024;
	char *t = malloc(big + 1);
	unsigned char junk[4096];

	(void)state;
	assert_non_null(t);
	/* megabytes: only the first LANG_GUESS_SCAN bytes are read */
	memset(t, 'x', big);
	t[big] = '\0';
	memcpy(t, "the and you ", 12);
	assert_lang(lang_guess_text(t, big), "en");
	memcpy(t + LANG_GUESS_SCAN, "le et vous le et vous le et vous ", 33);
	assert_lang(lang_guess(NULL, t, NULL), "en");
	/* a word longer than any in the lists, and a word over and over */
	memset(t, 'a', big);
	assert_lang(lang_guess_text(t, big), NULL);
	for (size_t i = 0; i + 4 <= big; i += 4)
		memcpy(t + i, "the ", 4);
	assert_lang(lang_guess_text(t, big), "en");
	free(t);
	/* bytes that are no UTF-8, sequences cut at the end */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	(void)lang_guess_text((const char *)junk, sizeof(junk));
	assert_lang(lang_guess_text("\xe2\x80", 2), NULL);
	assert_lang(lang_guess_text("\xc3", 1), NULL);
	assert_lang(lang_guess_text("le et vous \xc3", 12), "fr");
	/* a NUL inside the given length is a separator like any other */
	assert_lang(lang_guess_text("the\0and\0you", 11), "en");
}

/* Each listed word counts for its language (an unsorted list would
 * lose words to the search by halves). */
static void
test_every_listed_word(void **state)
{
	const char *langs[] = { "fr", "en" };
	size_t n;

	(void)state;
	assert_null(lang_guess_words("de", &n));
	assert_int_equal(n, 0);
	for (size_t l = 0; l < 2; l++) {
		const char *const *w = lang_guess_words(langs[l], &n);

		assert_non_null(w);
		assert_true(n >= 50);
		for (size_t i = 0; i < n; i++) {
			char text[64];

			if (i > 0 && strcmp(w[i - 1], w[i]) >= 0)
				fail_msg("%s: \"%s\" before \"%s\"", langs[l],
				    w[i - 1], w[i]);
			snprintf(text, sizeof(text), "%s %s, %s.", w[i], w[i],
			    w[i]);
			assert_lang(guess(text), langs[l]);
			/* the same in capitals */
			for (char *p = text; *p; p++)
				if (*p >= 'a' && *p <= 'z')
					*p = (char)(*p - 32);
			assert_lang(guess(text), langs[l]);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_customers_mails),
		cmocka_unit_test(test_elisions_and_contractions),
		cmocka_unit_test(test_french_typography),
		cmocka_unit_test(test_not_enough_to_say),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_text_then_header),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_every_listed_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
