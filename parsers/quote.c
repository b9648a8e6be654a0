/*
 * quote.c - cutting quoted history and signatures off replies (see quote.h)
 *
 * The text is split into lines once; every rule looks at a line and at
 * most a few lines after it, so the cost is linear in the text. Rules are
 * written for precision: a false cut loses what a customer wrote, a
 * missed cut only shows an agent some history. Hence the attribution
 * rule wants an opener ("On", "Le", "Am", ... or a date) with a date or
 * an address, or quoted lines right after it, and the Outlook rule wants
 * a From line followed by two more header labels.
 */
#include "parsers/quote.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define ATTRIB_LINES 3          /* a reply header wraps over <= 3 lines */
#define ATTRIB_MAX 400          /* ... and is no longer than this */
#define OUTLOOK_WINDOW 8        /* lines after From: holding the labels */
#define SIG_DASHDASH_MAX 15     /* "--" cuts only this close to the end */
#define MOBILE_MAX 60           /* "Sent from my iPhone" lines are short */

struct line {
	const char *s;
	size_t len;             /* without the LF */
};

/* ----- Small string helpers (ASCII case folding; UTF-8 passes) ----- */

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Does s (n bytes at least) start with the n bytes of p? p is lowercase
 * (or not ASCII). */
static bool
ci_equal(const char *s, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lc((unsigned char)s[i]) != (unsigned char)p[i])
			return false;
	return true;
}

/* The patterns below are all lowercase. */
static bool
ci_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && ci_equal(s, p, n);
}

static bool
ci_contains(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p), i;
	int c0 = (unsigned char)p[0], u0 = c0 >= 'a' && c0 <= 'z' ?
	    c0 - 32 : c0;

	if (n == 0)
		return true;
	for (i = 0; i + n <= len; i++) {
		/* the first byte alone rules out most places */
		if ((unsigned char)s[i] != c0 && (unsigned char)s[i] != u0)
			continue;
		if (ci_equal(s + i + 1, p + 1, n - 1))
			return true;
	}
	return false;
}

static bool
is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The line without leading and trailing blanks. */
static struct line
trim(struct line l)
{
	while (l.len > 0 && is_sp(*l.s)) {
		l.s++;
		l.len--;
	}
	/* U+00A0 at the ends too (HTML conversions) */
	while (l.len >= 2 && (unsigned char)l.s[0] == 0xc2 &&
	    (unsigned char)l.s[1] == 0xa0) {
		l.s += 2;
		l.len -= 2;
	}
	while (l.len > 0 && is_sp(l.s[l.len - 1]))
		l.len--;
	return l;
}

static bool
is_blank(struct line l)
{
	return trim(l).len == 0;
}

static bool
is_quoted(struct line l)
{
	l = trim(l);
	return l.len > 0 && l.s[0] == '>';
}

static bool
has_digit_or_at(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '@' || (s[i] >= '0' && s[i] <= '9'))
			return true;
	return false;
}

/* ----- Reply headers ("On ... wrote:") ---------------------------- */

static const char *const verbs[] = {
	"wrote", "writes", "a \xc3\xa9" "crit", "schrieb", "schreef",
	"escribi\xc3\xb3", "ha scritto", "escreveu", "skrev", "kirjoitti",
	"napisa\xc5\x82", "\xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0"
	"\xd0\xbb",     /* написал(а) */
	NULL
};

static const char *const openers[] = {
	"on ", "le ", "am ", "el ", "il ", "op ", "em ", "w dniu", "--- on",
	"den ", "p\xc3\xa5 ", "dne ", "\xd0\x92 ",      /* På, В */
	NULL
};

/* s is at most ATTRIB_MAX bytes long: lowercased once, then searched
 * with memmem() for each verb. */
static bool
has_verb(const char *s, size_t len)
{
	char low[ATTRIB_MAX];
	size_t k;
	int i;

	if (len > sizeof(low))
		len = sizeof(low);
	for (k = 0; k < len; k++)
		low[k] = (char)lc((unsigned char)s[k]);
	for (i = 0; verbs[i] != NULL; i++)
		if (memmem(low, len, verbs[i], strlen(verbs[i])) != NULL)
			return true;
	return false;
}

static bool
has_opener(const char *s, size_t len)
{
	int i;

	if (len > 0 && s[0] >= '0' && s[0] <= '9')
		return true;    /* "02.04.2012 14:20 ..." */
	for (i = 0; openers[i] != NULL; i++)
		if (ci_prefix(s, len, openers[i]))
			return true;
	return false;
}

/* Is the next non-blank line after i a quoted one? */
static bool
quote_follows(const struct line *v, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (is_blank(v[i]))
			continue;
		return is_quoted(v[i]);
	}
	return false;
}

/* A reply header starting at line i: the number of lines it takes, or
 * 0. */
static size_t
attribution(const struct line *v, size_t n, size_t i)
{
	char joined[ATTRIB_MAX + 1];
	size_t k, jl = 0;
	bool colon = false;

	/* Only a line ending in ':' can end a reply header: most lines are
	 * ruled out without joining anything. */
	for (k = 0; k < ATTRIB_LINES && i + k < n && !colon; k++) {
		struct line t = trim(v[i + k]);

		colon = t.len > 0 && t.s[t.len - 1] == ':';
	}
	if (!colon)
		return 0;
	for (k = 0; k < ATTRIB_LINES && i + k < n; k++) {
		struct line t = trim(v[i + k]);

		if (k > 0 && (t.len == 0 || is_quoted(t)))
			break;
		if (jl + t.len + 1 > ATTRIB_MAX)
			break;
		if (k > 0)
			joined[jl++] = ' ';
		memcpy(joined + jl, t.s, t.len);
		jl += t.len;
		if (jl == 0 || joined[jl - 1] != ':' || !has_verb(joined, jl))
			continue;
		/* Wrapped headers must open like one; a one-line "Name
		 * wrote:" needs quoted lines after it. */
		if (has_opener(joined, jl) && has_digit_or_at(joined, jl))
			return k + 1;
		if (k == 0 && quote_follows(v, n, i))
			return 1;
	}
	return 0;
}

/* ----- "-----Original Message-----" ------------------------------- */

static const char *const originals[] = {
	"original message", "message d'origine", "message original",
	"urspr\xc3\xbc" "ngliche nachricht", "mensaje original",
	"messaggio originale", "mensagem original", "oorspronkelijk bericht",
	"originalmeddelande", "original meddelelse",
	"alkuper\xc3\xa4inen viesti",
	NULL
};

static bool
original_separator(struct line l)
{
	int i;

	l = trim(l);
	if (l.len < 4 || (l.s[0] != '-' && l.s[0] != '_') ||
	    l.s[1] != l.s[0])
		return false;
	for (i = 0; originals[i] != NULL; i++)
		if (ci_contains(l.s, l.len, originals[i]))
			return true;
	return false;
}

/* ----- Outlook header blocks -------------------------------------- */

static const char *const from_labels[] = {
	"from", "de", "von", "da", "van", "fr\xc3\xa5n", "od", "fra",
	"\xd0\xbe\xd1\x82",     /* от */
	NULL
};

static const char *const other_labels[] = {
	"sent", "date", "to", "subject", "cc", "envoy\xc3\xa9", "\xc3\xa0",
	"a", "objet", "gesendet", "an", "betreff", "datum", "inviato",
	"oggetto", "enviado", "para", "asunto", "fecha", "verzonden", "aan",
	"onderwerp", "skickat", "till", "\xc3\xa4mne", "wys\xc5\x82" "ano",
	"do", "temat",
	NULL
};

static const char *const forwards[] = {
	"forwarded message", "message transf\xc3\xa9r\xc3\xa9",
	"weitergeleitete nachricht", "mensaje reenviado",
	"messaggio inoltrato", "mensagem encaminhada",
	"doorgestuurd bericht", "vidarebefordrat meddelande",
	NULL
};

/* Does the line start with one of the labels then ':'? "*From:*" and
 * "From :" (with a space or U+00A0 before the colon) count. */
static bool
labelled(struct line l, const char *const *labels)
{
	int i;

	l = trim(l);
	while (l.len > 0 && l.s[0] == '*') {
		l.s++;
		l.len--;
	}
	for (i = 0; labels[i] != NULL; i++) {
		size_t n = strlen(labels[i]), left;
		const char *p;

		if (!ci_prefix(l.s, l.len, labels[i]))
			continue;
		p = l.s + n;
		left = l.len - n;
		while (left > 0 && (*p == ' ' || *p == '*')) {
			p++;
			left--;
		}
		if (left >= 2 && (unsigned char)p[0] == 0xc2 &&
		    (unsigned char)p[1] == 0xa0) {
			p += 2;
			left -= 2;
		}
		if (left > 0 && *p == ':')
			return true;
	}
	return false;
}

static bool
is_rule(struct line l)
{
	size_t i;

	l = trim(l);
	if (l.len < 8)
		return false;
	for (i = 0; i < l.len; i++)
		if (l.s[i] != '_' && l.s[i] != '-' && l.s[i] != '=')
			return false;
	return true;
}

/* An Outlook header block at line i: the line where the cut starts (the
 * rule above it if any), or n when there is none. */
static size_t
outlook_block(const struct line *v, size_t n, size_t i)
{
	size_t k, labels = 0, prev;
	int f;

	if (!labelled(v[i], from_labels))
		return n;
	for (k = i + 1; k < n && k <= i + OUTLOOK_WINDOW; k++)
		if (labelled(v[k], other_labels))
			labels++;
	if (labels < 2)
		return n;
	/* the line above: a rule is part of the block, a forward marker
	 * means this is a forwarded message, which we keep */
	prev = i;
	while (prev > 0 && is_blank(v[prev - 1]))
		prev--;
	if (prev == 0)
		return i;
	for (f = 0; forwards[f] != NULL; f++)
		if (ci_contains(v[prev - 1].s, v[prev - 1].len, forwards[f]))
			return n;
	return is_rule(v[prev - 1]) ? prev - 1 : i;
}

/* ----- Signatures ------------------------------------------------- */

static const char *const mobile[] = {
	"sent from my ", "sent from mail for windows", "sent from outlook",
	"get outlook for ", "sent with ", "envoy\xc3\xa9 de mon ",
	"envoy\xc3\xa9 depuis mon ", "envoy\xc3\xa9 \xc3\xa0 partir de ",
	"von meinem ", "enviado desde mi ", "enviado do meu ",
	"inviato da ", "verzonden vanaf ", "skickat fr\xc3\xa5n ",
	NULL
};

static bool
is_mobile_tag(struct line l)
{
	int i;

	l = trim(l);
	if (l.len > MOBILE_MAX)
		return false;
	for (i = 0; mobile[i] != NULL; i++)
		if (ci_prefix(l.s, l.len, mobile[i]))
			return true;
	return false;
}

static bool
is_sig_dashes(struct line l, bool strict)
{
	size_t len = l.len;

	if (len > 0 && l.s[len - 1] == '\r')
		len--;
	if (len == 3 && memcmp(l.s, "-- ", 3) == 0)
		return true;
	return !strict && len == 2 && memcmp(l.s, "--", 2) == 0;
}

/* ----- The whole thing -------------------------------------------- */

static struct line *
split(const char *text, size_t *n_r)
{
	size_t n = 1, cap, i = 0;
	const char *p;
	struct line *v;

	for (p = text; *p != '\0'; p++)
		if (*p == '\n')
			n++;
	cap = n;
	v = xcalloc(cap, sizeof(*v));
	p = text;
	for (;;) {
		const char *e = strchr(p, '\n');

		v[i].s = p;
		v[i].len = e != NULL ? (size_t)(e - p) : strlen(p);
		i++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	*n_r = i;
	return v;
}

/* Where the history starts, and how many lines its header takes (0 for
 * a cut that keeps nothing after). */
static size_t
find_cut(const struct line *v, size_t n, size_t *hdr_lines_r)
{
	size_t i, k, o;

	*hdr_lines_r = 0;
	for (i = 0; i < n; i++) {
		if (is_quoted(v[i]) || is_blank(v[i]))
			continue;
		k = attribution(v, n, i);
		if (k > 0) {
			*hdr_lines_r = k;
			return i;
		}
		if (original_separator(v[i]))
			return i;
		o = outlook_block(v, n, i);
		if (o < n)
			return o;
	}
	return n;
}

const char *
quote_strip(struct arena *a, const char *text)
{
	struct line *v;
	bool *keep;
	size_t n, i, cut, hdr, first, last, kept = 0, len = 0;
	bool content = false;
	char *out, *w;

	v = split(text, &n);
	keep = xcalloc(n, sizeof(*keep));
	cut = find_cut(v, n, &hdr);
	for (i = 0; i < cut; i++)
		if (!is_quoted(v[i]) && !is_blank(v[i]))
			content = true;
	if (!content && cut < n && hdr > 0) {
		/* bottom-posted: the answer is after the quoted block */
		for (i = cut + hdr; i < n; i++)
			keep[i] = !is_quoted(v[i]);
	} else {
		for (i = 0; i < cut; i++)
			keep[i] = !is_quoted(v[i]);
	}
	/* signature: the first "-- " line, or a late "--" */
	for (i = 0; i < n; i++)
		if (keep[i])
			kept++;
	for (i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		kept--;
		if (is_sig_dashes(v[i], kept > SIG_DASHDASH_MAX)) {
			for (; i < n; i++)
				keep[i] = false;
			break;
		}
	}
	/* trim blank lines at both ends, then a mobile tag line */
	first = 0;
	while (first < n && (!keep[first] || is_blank(v[first])))
		first++;
	last = n;
	while (last > first && (!keep[last - 1] || is_blank(v[last - 1])))
		last--;
	if (last > first + 1 && is_mobile_tag(v[last - 1])) {
		last--;
		while (last > first &&
		    (!keep[last - 1] || is_blank(v[last - 1])))
			last--;
	}
	for (i = first; i < last; i++)
		if (keep[i])
			len += v[i].len + 1;
	out = arena_alloc(a, len + 1);
	w = out;
	for (i = first; i < last; i++) {
		if (!keep[i])
			continue;
		memcpy(w, v[i].s, v[i].len);
		w += v[i].len;
		*w++ = '\n';
	}
	/* no trailing line break or blanks */
	while (w > out && (w[-1] == '\n' || w[-1] == ' ' || w[-1] == '\t'))
		w--;
	*w = '\0';
	free(v);
	free(keep);
	return out;
}
