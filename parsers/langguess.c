/*
 * langguess.c - which of our languages a customer wrote in (see
 * langguess.h)
 *
 * Each word is looked up in two short lists of words that only one of the
 * two languages has and that most sentences hold; a word with a French
 * accent counts as French, an elision ("l'", "qu'") as French, a
 * contraction ("don't", "I'm") as English. Words that both languages use
 * ("on", "a", "me", "son", "but") are in neither list.
 */
#include "parsers/langguess.h"

#include <stdbool.h>
#include <string.h>

#define WORD_MAX 24
#define LISTED_MAX 12          /* letters of the longest listed word */
/* A verdict this clear stops the reading: the rest of a mail does not
 * turn it. */
#define CLEAR_AT 16

/* Kept sorted: in_list() looks among the words of one first letter. */
static const char *const fr_words[] = {
	"alors", "au", "aussi", "aux", "avec", "avez", "avons", "bien",
	"bonjour", "ce", "ces", "cette", "chez", "comme", "cordialement",
	"dans", "depuis", "des", "donc", "du", "elle", "est", "et", "faire",
	"fait", "il", "ils", "je", "la", "le", "les", "leur", "lors", "ma",
	"madame", "mais", "merci", "mes", "mon", "monsieur", "nos", "notre",
	"nous", "ou", "par", "pas", "peut", "pour", "quand", "que", "qui",
	"salut", "sans", "sont", "sur", "tout", "une", "vos", "votre", "vous",
};

static const char *const en_words[] = {
	"about", "all", "an", "and", "any", "are", "be", "been", "best", "by",
	"can", "could", "dear", "did", "do", "does", "for", "from", "get",
	"got", "has", "have", "hello", "hi", "how", "i", "if", "into", "is",
	"it", "just", "my", "not", "of", "our", "please", "regards", "she",
	"since", "thank", "thanks", "that", "the", "there", "they", "this",
	"to", "was", "we", "were", "what", "when", "which", "who", "why",
	"will", "with", "would", "you", "your",
};

/* Before an apostrophe: French elisions. After one: English
 * contractions. */
static const char *const fr_elided[] = { "c", "d", "j", "l", "n", "qu" };
static const char *const en_contracted[] = { "ll", "m", "re", "t", "ve" };

/* Where each first letter's words start in a sorted list: at[L] for
 * 'a' + L, at[26] its end. */
struct letters {
	unsigned char at[27];
};

static void
letters_of(const char *const *list, size_t n, struct letters *x)
{
	size_t i = 0;

	for (int l = 0; l < 26; l++) {
		while (i < n && (unsigned char)list[i][0] < 'a' + l)
			i++;
		x->at[l] = (unsigned char)i;
	}
	x->at[26] = (unsigned char)n;
}

struct tally {
	unsigned fr, en;
	size_t left;              /* bytes still to read */
	struct letters fr_words_at, en_words_at, fr_elided_at,
	    en_contracted_at;
};

#define NWORDS(list) (sizeof(list) / sizeof(list[0]))

static void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->left = LANG_GUESS_SCAN;
	letters_of(fr_words, NWORDS(fr_words), &t->fr_words_at);
	letters_of(en_words, NWORDS(en_words), &t->en_words_at);
	letters_of(fr_elided, NWORDS(fr_elided), &t->fr_elided_at);
	letters_of(en_contracted, NWORDS(en_contracted),
	    &t->en_contracted_at);
}

/* Whether w (lower-case ASCII letters) is among list's words of its
 * first letter. */
static bool
in_list(const char *const *list, const struct letters *x, const char *w)
{
	int l = w[0] - 'a';

	if (l < 0 || l > 25)
		return false;
	for (size_t i = x->at[l]; i < x->at[l + 1]; i++)
		if (strcmp(w + 1, list[i] + 1) == 0)
			return true;
	return false;
}

#define IN(list, w) in_list(list, &t->list##_at, w)

/* A French letter with an accent, as UTF-8 (c3 then b): é è ê ë à â ç
 * ù û ô î ï and their capitals. */
static bool
french_accent(unsigned char b)
{
	switch (b & ~0x20u) {    /* 0xa9 and 0x89 (é, É) alike */
	case 0x80: case 0x82: case 0x87: case 0x88: case 0x89: case 0x8a:
	case 0x8b: case 0x8e: case 0x8f: case 0x94: case 0x99: case 0x9b:
		return true;
	}
	return false;
}

/* An apostrophe at p (ASCII, or U+2019 as UTF-8): its length, else 0. */
static size_t
apostrophe(const unsigned char *p, const unsigned char *end)
{
	if (p < end && *p == '\'')
		return 1;
	if (end - p >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99)
		return 3;
	return 0;
}

/* A UTF-8 sequence at p that is no letter: Latin-1 punctuation (U+0080
 * to U+00BF: the no-break space of French typography, the guillemets)
 * and general punctuation (U+2000 to U+207F: dashes, quotes, narrow
 * spaces); its length, else 0. */
static size_t
punct(const unsigned char *p, const unsigned char *end)
{
	if (end - p >= 2 && p[0] == 0xc2 && (p[1] & 0xc0) == 0x80)
		return 2;
	if (end - p >= 3 && p[0] == 0xe2 && (p[1] == 0x80 || p[1] == 0x81) &&
	    (p[2] & 0xc0) == 0x80)
		return 3;
	return 0;
}

static bool
ascii_letter(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static void
count(struct tally *t, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text, *end;
	bool after = false;       /* the word comes after an apostrophe */

	if (len > t->left)
		len = t->left;
	t->left -= len;
	end = p + len;
	while (p < end) {
		char w[WORD_MAX + 1];
		size_t n = 0, k;
		bool accent = false, long_word = false, ascii = true;

		if ((k = apostrophe(p, end)) > 0) {
			after = true;
			p += k;
			continue;
		}
		if ((k = punct(p, end)) > 0 || (*p < 0x80 &&
		    !ascii_letter(*p))) {
			after = false;
			p += k > 0 ? k : 1;
			continue;
		}
		while (p < end && (ascii_letter(*p) || (*p >= 0x80 &&
		    punct(p, end) == 0 && apostrophe(p, end) == 0))) {
			if (*p == 0xc3 && p + 1 < end && french_accent(p[1]))
				accent = true;
			if (*p >= 0x80)
				ascii = false;
			if (n < WORD_MAX)
				w[n++] = (char)(*p < 0x80 ? (*p | 0x20) : *p);
			else
				long_word = true;
			p++;
		}
		w[n] = '\0';
		k = apostrophe(p, end);   /* followed by one: left for the
		                             next turn */
		if (accent)
			t->fr++;
		else if (long_word || n > LISTED_MAX || !ascii)
			;
		else if (k > 0 && IN(fr_elided, w))
			t->fr++;
		else if (after && IN(en_contracted, w))
			t->en++;
		else if (!after && k == 0 && IN(fr_words, w))
			t->fr++;
		else if (!after && k == 0 && IN(en_words, w))
			t->en++;
		after = false;
		if ((t->fr >= CLEAR_AT && t->fr >= 4 * t->en) ||
		    (t->en >= CLEAR_AT && t->en >= 4 * t->fr)) {
			t->left = 0;
			return;
		}
	}
}

static const char *
verdict(const struct tally *t)
{
	unsigned hi = t->fr > t->en ? t->fr : t->en;
	unsigned lo = t->fr > t->en ? t->en : t->fr;

	if (hi < LANG_GUESS_MIN || hi < 2 * lo)
		return NULL;
	return t->fr > t->en ? "fr" : "en";
}

const char *
lang_guess_text(const char *text, size_t len)
{
	struct tally t;

	tally_init(&t);
	if (text != NULL)
		count(&t, text, len);
	return verdict(&t);
}

const char *
lang_guess_header(const char *value)
{
	char tag[3];
	size_t n = 0;

	if (value == NULL)
		return NULL;
	while (*value == ' ' || *value == '\t')
		value++;
	while (n < 2 && ((*value | 0x20) >= 'a' && (*value | 0x20) <= 'z'))
		tag[n++] = (char)(*value++ | 0x20);
	tag[n] = '\0';
	/* a primary tag of two letters, then its end or a subtag */
	if (n != 2 || !(*value == '\0' || *value == '-' || *value == ',' ||
	    *value == ' ' || *value == ';' || *value == '\t' ||
	    *value == '\r' || *value == '\n'))
		return NULL;
	if (strcmp(tag, "fr") == 0)
		return "fr";
	if (strcmp(tag, "en") == 0)
		return "en";
	return NULL;
}

const char *
lang_guess(const char *subject, const char *text,
    const char *content_language)
{
	struct tally t;
	const char *v;

	tally_init(&t);
	if (subject != NULL)
		count(&t, subject, strnlen(subject, LANG_GUESS_SCAN));
	if (text != NULL)
		count(&t, text, strnlen(text, LANG_GUESS_SCAN));
	if ((v = verdict(&t)) != NULL)
		return v;
	return lang_guess_header(content_language);
}

const char *const *
lang_guess_words(const char *lang, size_t *n_r)
{
	if (lang != NULL && strcmp(lang, "fr") == 0) {
		*n_r = NWORDS(fr_words);
		return fr_words;
	}
	if (lang != NULL && strcmp(lang, "en") == 0) {
		*n_r = NWORDS(en_words);
		return en_words;
	}
	*n_r = 0;
	return NULL;
}
