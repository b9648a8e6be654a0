/*
 * confirm.c - a customer's answer to a resolution read (see confirm.h)
 */
#include "parsers/confirm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/utf8.h"

#define TEXT_MAX (64 * 1024)    /* what is read of a reply, folded */

/* U+00C0..U+00FF folded: lower case, no accent; NULL: kept as it is */
static const char *const latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", NULL,
	"o", "u", "u", "u", "u", "y", NULL, "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", NULL,
	"o", "u", "u", "u", "u", "y", NULL, "y",
};

/* Words, folded; matched whole, or as the start of a word in the lists
 * named _p ("work" is in "working"). */
static const char *const negations[] = { "not", "no", "never", "nothing",
	"nobody", "none", "nor", "cannot", "cant", "dont", "doesnt", "didnt",
	"isnt", "wont", "wasnt", "arent", "hasnt", "havent", "couldnt",
	"wouldnt", "pas", "ne", "n", "jamais", "rien", "aucun", "aucune",
	"non", "ni", NULL };
static const char *const contrasts[] = { "but", "however", "although",
	"though", "except", "mais", "cependant", "toutefois", "sauf",
	"pourtant", "neanmoins", "par contre", NULL };
static const char *const persists[] = { "still", "again", "toujours",
	"encore", "de nouveau", "a nouveau", NULL };
static const char *const problems_p[] = { "problem", "issue", "bug",
	"error", "broken", "fail", "crash", "wrong", "same", "souci",
	"erreur", "plant", "bloqu", "panne", "casse", "echec", "meme", "vide",
	"empty", "lent", "slow", "missing", "manqu", "impossib", "perdu",
	"lost", NULL };
static const char *const solutions_p[] = { "work", "fix", "solv",
	"resolv", "resolu", "regl", "repar", "marche", "fonctionn", NULL };
/* What a thank-you is made of: one word of thanks_w at least, and words
 * of courtesy_w beside them. */
static const char *const thanks_w[] = { "merci", "thanks", "thank", "thx",
	"remercie", "remercions", "remerciements", NULL };
static const char *const courtesy_w[] = { "you", "very", "much", "so",
	"a", "lot", "lots", "many", "beaucoup", "bien", "mille", "infiniment",
	"encore", "again", "cheers", "regards", "best", "kind", "warm",
	"cordialement", "cdlt", "bonne", "journee", "soiree", "fin", "de",
	"semaine", "week", "end", "weekend", "have", "nice", "good", "day",
	"bonjour", "bonsoir", "hello", "hi", "salut", "ok", "okay",
	"parfait", "perfect", "great", "super", "top", "genial", "nickel",
	"excellent", "awesome", "for", "the", "your", "votre", "vos", "pour",
	"help", "aide", "reponse", "answer", "support", "quick", "rapide",
	"et", "and", "bientot", "bye", "au", "revoir", "tout", "toute",
	"toutes", "tous", "all",
	"everything", "vous", "te", "madame", "monsieur", "team", "equipe",
	"l", "d", NULL };

/* courtesies that hold a negation and mean no harm */
static const char *const courtesies[] = { "no problem", "no problems",
	"no worries", "no worry", "no issue", "no issues", "pas de souci",
	"pas de soucis", "pas de probleme", "pas de problemes",
	"aucun probleme", "aucun souci", "sans souci", "sans probleme", NULL };

static bool
is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static bool
has_word_byte(const char *s)
{
	for (; *s != '\0'; s++)
		if (is_word_byte((unsigned char)*s))
			return true;
	return false;
}

/* The text folded into b (see confirm.h); false when b is full. */
static bool
fold(struct buf *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text), i = 0;
	int newlines = 0;

	while (i < len) {
		uint32_t cp;
		size_t k = utf8_decode(&cp, p + i, len - i);
		const char *to = NULL;
		char one[2] = { 0, 0 };

		if (k == 0) {
			k = 1;
			cp = ' ';
		}
		if (cp == '\n') {
			if (++newlines == 2)
				to = ".";
		} else if (cp == '\r' || cp == ' ' || cp == '\t') {
			/* blanks between two line breaks keep them two */
		} else {
			newlines = 0;
		}
		if (to == NULL && (cp == '\n' || cp == '\t' || cp == 0xa0 ||
		    cp == 0x202f || cp == 0x2009))
			to = " ";
		else if (to == NULL && cp == '\r')
			to = "";
		else if (to == NULL && (cp == 0x2018 || cp == 0x2019 ||
		    cp == 0x02bc || cp == 0xb4))
			to = "'";
		else if (to == NULL && cp == 0x2026)
			to = ".";
		else if (to == NULL && cp >= 0xc0 && cp <= 0xff)
			to = latin1[cp - 0xc0];
		else if (to == NULL && (cp == 0x152 || cp == 0x153))
			to = "oe";
		else if (to == NULL && cp == 0x178)
			to = "y";
		if (to == NULL && cp < 0x80) {
			one[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
			to = one;
		}
		if ((to != NULL ? buf_add(b, to, strlen(to)) :
		    buf_add(b, (const char *)p + i, k)) != 0)
			return false;
		i += k;
	}
	return true;
}

/* Whether the words w (one or more, folded) are in [s, e), whole, or as
 * the start of a word when prefix. */
static bool
has_words(const char *s, const char *e, const char *w, bool prefix)
{
	size_t n = strlen(w);

	for (const char *p = s; p + n <= e; p++) {
		if (memcmp(p, w, n) != 0 ||
		    (p > s && is_word_byte((unsigned char)p[-1])))
			continue;
		if (prefix || p + n == e || !is_word_byte((unsigned char)p[n]))
			return true;
	}
	return false;
}

/* Whether [s, e) holds "n't" ending a word ("doesn't"). */
static bool
has_nt(const char *s, const char *e)
{
	for (const char *p = s; p + 3 <= e; p++)
		if (memcmp(p, "n't", 3) == 0 && (p + 3 == e ||
		    !is_word_byte((unsigned char)p[3])))
			return true;
	return false;
}

static bool
has_any(const char *s, const char *e, const char *const *list, bool prefix)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (has_words(s, e, list[i], prefix))
			return true;
	return false;
}

/* Whether [s, e) holds a phrase (folded, in f, NUL-separated). */
static bool
has_phrase(const char *s, const char *e, const struct buf *f)
{
	for (size_t i = 0; i < f->len; i += strlen(buf_str(f) + i) + 1)
		if (buf_str(f)[i] != '\0' && has_words(s, e, buf_str(f) + i,
		    false))
			return true;
	return false;
}

/* The courtesies of the folded text blanked out, in place. */
static void
blank_courtesies(char *t, size_t len)
{
	for (size_t i = 0; courtesies[i] != NULL; i++) {
		size_t n = strlen(courtesies[i]);

		for (char *p = t; p + n <= t + len; p++)
			if (memcmp(p, courtesies[i], n) == 0 &&
			    (p == t || !is_word_byte((unsigned char)p[-1])) &&
			    (p + n == t + len ||
			    !is_word_byte((unsigned char)p[n])))
				memset(p, ' ', n);
	}
}

/* The next word of [*p, e), its length in *n (0: none left); *p moves
 * past it. */
static const char *
next_word(const char **p, const char *e, size_t *n)
{
	const char *w;

	while (*p < e && !is_word_byte((unsigned char)**p))
		(*p)++;
	for (w = *p; *p < e && is_word_byte((unsigned char)**p); (*p)++)
		;
	*n = (size_t)(*p - w);
	return w;
}

/* The line (n bytes at s) folded into b (see fold()). */
static bool
fold_line(struct buf *b, const char *s, size_t n)
{
	char *copy = xstrndup(s, n);
	bool ok = fold(b, copy);

	free(copy);
	return ok;
}

/* Words that open a signature's title line, folded: "Responsable
 * informatique", "Head of IT", "Chef de projet", "IT manager". */
static const char *const titles_w[] = { "responsable", "directeur",
	"directrice", "director", "head", "chef", "cheffe", "manager",
	"gerant", "gerante", "ingenieur", "ingenieure", "engineer",
	"technicien", "technicienne", "technician", "administrateur",
	"administratrice", "administrator", "consultant", "consultante",
	"developpeur", "developpeuse", "developer", "assistant", "assistante",
	"comptable", "accountant", "president", "presidente", "fondateur",
	"fondatrice", "founder", "ceo", "cto", "cio", "dsi", "it", "service",
	"departement", "department", "analyste", "analyst", "architecte",
	"architect", "coordinateur", "coordinatrice", "coordinator",
	"officer", "lead", "senior", "vp", NULL };

/* Whether [s, s + n) is a telephone line: an optional label of letters
 * ("Tél. :", "Mobile", "Fixe", "Phone") then only digits, blanks and
 * + ( ) . - /, six digits at least. */
static bool
phone_line(const char *s, size_t n)
{
	size_t i = 0, digits = 0;

	while (i < n && i < 20 && ((unsigned char)s[i] >= 0x80 ||
	    (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
	    s[i] == ' '))
		i++;
	while (i < n && (s[i] == '.' || s[i] == ':' || s[i] == ' '))
		i++;
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (strchr(" +().-/", s[i]) == NULL)
			return false;
	}
	return digits >= 6;
}

/* Whether the word [s, s + n) is an address or a link. */
static bool
link_word(const char *s, size_t n)
{
	return memchr(s, '@', n) != NULL || (n > 4 &&
	    (strncmp(s, "www.", 4) == 0 || strncmp(s, "http", 4) == 0));
}

/* Whether the line (n > 0 bytes at s, trimmed) ends as a sentence
 * does: with ! : ; , or a dot that closes no abbreviation ("S.A.",
 * "Ltd.", "Jean D.") nor link. */
static bool
sentence_end(const char *s, size_t n)
{
	size_t last = n;

	if (strchr("!:;,", s[n - 1]) != NULL)
		return true;
	if (s[n - 1] != '.')
		return false;
	while (last > 0 && s[last - 1] != ' ' && s[last - 1] != '\t')
		last--;
	return !link_word(s + last, n - last) && n - last > 4 &&
	    memchr(s + last, '.', n - last - 1) == NULL;
}

/* Whether the line (n bytes at s, trimmed) is made of words that each
 * start with a capital, a digit or a sign, or are addresses or links
 * ("Jean Dupont", "ACME SA", "jean@acme.example", "www.acme.example"). */
static bool
names_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; ) {
		size_t w = i;
		unsigned char c = (unsigned char)s[i];

		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		if (!link_word(s + w, i - w) &&
		    !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c >= 0x80 || strchr("+(-|/&", c) != NULL))
			return false;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	return true;
}

/* Whether the folded line [s, e) names a job ("responsable
 * informatique", "head of it | acme ltd"): a word of titles_w among
 * its first two, five words at most, no colon (which opens a
 * statement: "service informatique : l'export est vide"). */
static bool
title_line(const char *s, const char *e)
{
	int words = 0;
	bool title = false;

	if (memchr(s, ':', (size_t)(e - s)) != NULL)
		return false;
	for (const char *p = s; p < e; ) {
		size_t n;
		const char *w = next_word(&p, e, &n);

		if (n == 0)
			break;
		if (++words > 5)
			return false;
		for (size_t i = 0; words <= 2 && titles_w[i] != NULL &&
		    !title; i++)
			title = strlen(titles_w[i]) == n &&
			    memcmp(w, titles_w[i], n) == 0;
	}
	return title;
}

/* Whether the line (n bytes at s) reads as part of a signature without
 * a "--" before it: at most 60 bytes, and a mobile client's line, a
 * telephone, names, or a job title; never a word of the problem, of
 * its solution, or a negation ("Le Serveur Est En Panne" is no name). */
static bool
signature_line(const char *s, size_t n)
{
	static const char *const mobile[] = { "Sent from ", "Envoy\xc3\xa9 de ",
		"Envoy\xc3\xa9 depuis ", "Get Outlook", "Obtenir Outlook", NULL };
	struct buf f = BUF_INIT(128);
	bool ok;

	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		n--;
	if (n == 0 || n > 60)
		return false;
	for (size_t i = 0; mobile[i] != NULL; i++)
		if (strncmp(s, mobile[i], strlen(mobile[i])) == 0)
			return true;
	if (phone_line(s, n))
		return true;
	ok = fold_line(&f, s, n);
	if (ok) {
		const char *fs = buf_str(&f), *fe = fs + f.len;

		ok = !has_any(fs, fe, problems_p, true) &&
		    !has_any(fs, fe, solutions_p, true) &&
		    !has_any(fs, fe, negations, false) && !has_nt(fs, fe) &&
		    !sentence_end(s, n) &&
		    (names_line(s, n) || title_line(fs, fe));
	}
	buf_free(&f);
	return ok;
}

/* Whether the folded line [s, e) holds words of thanks and courtesy
 * alone (*thanked set when one of thanks), or none. */
static bool
courtesy_line(const char *s, const char *e, bool *thanked)
{
	for (const char *p = s; p < e; ) {
		char word[32];
		size_t n;
		const char *w = next_word(&p, e, &n);
		bool known = false;

		if (n == 0)
			break;
		if (n >= sizeof(word))
			return false;
		memcpy(word, w, n);
		word[n] = '\0';
		for (size_t i = 0; thanks_w[i] != NULL && !known; i++)
			if (strcmp(word, thanks_w[i]) == 0)
				known = *thanked = true;
		for (size_t i = 0; courtesy_w[i] != NULL && !known; i++)
			known = strcmp(word, courtesy_w[i]) == 0;
		if (!known)
			return false;
	}
	return true;
}

/* Whether the line at s opens a signature: "--" or an em dash. */
static bool
delimiter(const char *s)
{
	return strncmp(s, "--", 2) == 0 || strncmp(s, "\xe2\x80\x94", 3) == 0;
}

/* Whether text is a thank-you (see confirm.h): its first lines thank
 * (words of thanks and courtesy alone, 400 bytes at most), at most a
 * signature follows, no question mark anywhere. */
static bool
is_thanks(const char *text)
{
	const char *p = text;
	size_t said = 0;
	int lines = 0;
	bool thanked = false, delimited = false, ok = true;

	if (strchr(text, '?') != NULL)
		return false;
	/* the thanks: lines of courtesy, blank ones among them */
	while (*p != '\0' && !delimiter(p + strspn(p, " \t\r"))) {
		size_t l = strcspn(p, "\n");
		struct buf f = BUF_INIT(256);
		bool courteous = fold_line(&f, p, l) &&
		    courtesy_line(buf_str(&f), buf_str(&f) + f.len, &thanked);

		buf_free(&f);
		if (!courteous)
			break;
		if ((said += l + 1) > 400)
			return false;
		p += l + (p[l] == '\n');
	}
	if (!thanked)
		return false;
	/* then a signature at most: after a "--" line, a few lines of
	 * anything; else up to six lines of names, titles and numbers
	 * ("Jean Dupont", "Responsable informatique", "ACME SA", "Tél. :
	 * +33 1 23 45 67 89", "www.acme.example") or a mobile client's */
	while (ok && *p != '\0') {
		size_t l = strcspn(p, "\n"), b = strspn(p, " \t\r");

		if (b < l) {
			lines++;
			if (lines == 1 && delimiter(p + b))
				delimited = true;
			else
				ok = delimited ? lines <= 8 : lines <= 6 &&
				    signature_line(p + b, l - b);
		}
		p += l + (p[l] == '\n');
	}
	return ok;
}

/* The end of [s, s + n) without its trailing blanks and line ends. */
static size_t
trimmed(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n;
}

/* Whether the line (n bytes at s, blanks before it skipped) is a
 * signature's delimiter (delimiter()) with nothing else after a "--". */
static bool
delimiter_line(const char *s, size_t n)
{
	return delimiter(s) && (s[0] != '-' || trimmed(s, n) == 2);
}

size_t
confirm_before_signature(const char *text)
{
	const char *p = text, *block = NULL;
	size_t len = strlen(text);
	int lines = 0;
	bool sig = false, blank = true;

	while (*p != '\0') {
		size_t l = strcspn(p, "\n"), b = strspn(p, " \t\r");

		if (b >= l) {
			blank = true;
		} else if (delimiter_line(p + b, l - b)) {
			size_t before = trimmed(text, (size_t)(p - text));

			return before > 0 ? before : trimmed(text, len);
		} else {
			if (blank) {
				/* a paragraph starts: the signature's, if all
				 * of its lines read as one's */
				block = p;
				lines = 0;
				sig = true;
			}
			blank = false;
			lines++;
			sig = sig && lines <= 6 && signature_line(p + b, l - b);
		}
		p += l + (p[l] == '\n');
	}
	if (sig && block != NULL && trimmed(text, (size_t)(block - text)) > 0)
		return trimmed(text, (size_t)(block - text));
	return trimmed(text, len);
}

enum confirm_verdict
confirm_read(const char *text, const char *const *phrases, size_t n)
{
	struct buf t = BUF_INIT(TEXT_MAX), f = BUF_INIT(TEXT_MAX);
	bool yes = false, no = false, other = false;
	char *s, *end;

	/* past TEXT_MAX, what was folded is read: a confirmation is short */
	(void)fold(&t, text);
	for (size_t i = 0; i < n; i++) {
		size_t at = f.len;

		if (!fold(&f, phrases[i]) || buf_addc(&f, '\0') != 0)
			break;
		if (!has_word_byte(buf_str(&f) + at)) {
			f.len = at;     /* a phrase of blanks matches no word */
			f.data[at] = '\0';
		}
	}
	if (t.len == 0) {
		buf_free(&t);
		buf_free(&f);
		return CONFIRM_NONE;
	}
	s = t.data;
	end = s + t.len;
	blank_courtesies(s, t.len);
	for (char *e; s < end; s = e + 1) {
		bool phrase, neg, contrast, persist, question;

		e = s + strcspn(s, ".!?;");
		question = *e == '?';
		phrase = has_phrase(s, e, &f);
		neg = has_any(s, e, negations, false) || has_nt(s, e);
		contrast = has_any(s, e, contrasts, false);
		persist = has_any(s, e, persists, false);
		if (neg && (phrase || has_any(s, e, solutions_p, true)))
			no = true;
		if (persist && has_any(s, e, problems_p, true))
			no = true;
		if (phrase && !neg && !contrast)
			yes = true;
		else if (contrast || question || (persist && !phrase))
			other = true;
		if (e >= end)
			break;
	}
	buf_free(&t);
	buf_free(&f);
	if (no)
		return CONFIRM_NO;
	if (yes && !other)
		return CONFIRM_YES;
	return is_thanks(text) ? CONFIRM_THANKS : CONFIRM_NONE;
}
