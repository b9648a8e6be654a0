/*
 * charset.c - charset labels to UTF-8 through iconv (see charset.h)
 *
 * A label is normalised (trimmed, quotes dropped, lowercased), looked up in
 * the alias table below, and converted by iconv into UTF-8. Conversion
 * errors never stop us: a byte iconv refuses becomes U+FFFD and the next
 * byte is tried; an incomplete sequence at the end becomes U+FFFD. When
 * the converter refuses bytes and the input is valid UTF-8, the label was
 * wrong (8-bit UTF-8 declared as ISO-2022-JP is common) and UTF-8 is used
 * instead. Some charsets have two candidate converters (ISO-2022-JP in
 * the wild uses JIS X 0201 katakana and JIS X 0213 that plain
 * ISO-2022-JP-2 refuses): when the first one reports errors, the second
 * is tried and the result with fewer errors wins.
 *
 * iconv_open() gets only names from the table or labels made of
 * [a-z0-9._:()+-] up to 40 characters, so that a hostile label can never
 * name a gconv module path.
 */
#include "parsers/charset.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/util.h"
#include "parsers/chardet.h"
#include "parsers/utf8.h"

#define LABEL_MAX 40

enum kind {
	K_ICONV,        /* convert with iconv */
	K_UTF8,         /* sanitise only */
	K_ASCII,        /* UTF-8 when valid, else windows-1252 */
	K_UNKNOWN,      /* like K_ASCII, flagged */
};

struct alias {
	const char *label;
	enum kind kind;
	const char *conv;       /* iconv name */
	const char *conv2;      /* second candidate, or NULL */
};

static const struct alias aliases[] = {
	{ "utf-8", K_UTF8, NULL, NULL },
	{ "utf8", K_UTF8, NULL, NULL },
	{ "unicode-1-1-utf-8", K_UTF8, NULL, NULL },
	{ "x-unicode20utf8", K_UTF8, NULL, NULL },
	{ "us-ascii", K_ASCII, NULL, NULL },
	{ "ascii", K_ASCII, NULL, NULL },
	{ "us", K_ASCII, NULL, NULL },
	{ "ansi_x3.4-1968", K_ASCII, NULL, NULL },
	{ "iso646-us", K_ASCII, NULL, NULL },
	{ "csascii", K_ASCII, NULL, NULL },
	{ "iso-8859-1", K_ICONV, "WINDOWS-1252", NULL },
	{ "iso8859-1", K_ICONV, "WINDOWS-1252", NULL },
	{ "iso_8859-1", K_ICONV, "WINDOWS-1252", NULL },
	{ "iso88591", K_ICONV, "WINDOWS-1252", NULL },
	{ "latin1", K_ICONV, "WINDOWS-1252", NULL },
	{ "latin-1", K_ICONV, "WINDOWS-1252", NULL },
	{ "l1", K_ICONV, "WINDOWS-1252", NULL },
	{ "cp819", K_ICONV, "WINDOWS-1252", NULL },
	{ "ibm819", K_ICONV, "WINDOWS-1252", NULL },
	{ "csisolatin1", K_ICONV, "WINDOWS-1252", NULL },
	{ "windows-1252", K_ICONV, "WINDOWS-1252", NULL },
	{ "cp1252", K_ICONV, "WINDOWS-1252", NULL },
	{ "x-cp1252", K_ICONV, "WINDOWS-1252", NULL },
	{ "iso-8859-9", K_ICONV, "WINDOWS-1254", NULL },
	{ "iso8859-9", K_ICONV, "WINDOWS-1254", NULL },
	{ "latin5", K_ICONV, "WINDOWS-1254", NULL },
	{ "windows-1254", K_ICONV, "WINDOWS-1254", NULL },
	{ "cp1254", K_ICONV, "WINDOWS-1254", NULL },
	{ "iso-8859-11", K_ICONV, "WINDOWS-874", NULL },
	{ "tis-620", K_ICONV, "WINDOWS-874", NULL },
	{ "windows-874", K_ICONV, "WINDOWS-874", NULL },
	{ "cp874", K_ICONV, "WINDOWS-874", NULL },
	{ "iso-8859-8-i", K_ICONV, "ISO-8859-8", NULL },
	{ "iso-8859-8-e", K_ICONV, "ISO-8859-8", NULL },
	{ "logical", K_ICONV, "ISO-8859-8", NULL },
	{ "visual", K_ICONV, "ISO-8859-8", NULL },
	{ "gb2312", K_ICONV, "GB18030", NULL },
	{ "gbk", K_ICONV, "GB18030", NULL },
	{ "gb18030", K_ICONV, "GB18030", NULL },
	{ "cp936", K_ICONV, "GB18030", NULL },
	{ "x-gbk", K_ICONV, "GB18030", NULL },
	{ "euc-cn", K_ICONV, "GB18030", NULL },
	{ "x-euc-cn", K_ICONV, "GB18030", NULL },
	{ "csgb2312", K_ICONV, "GB18030", NULL },
	{ "chinese", K_ICONV, "GB18030", NULL },
	{ "gb_2312-80", K_ICONV, "GB18030", NULL },
	{ "big5", K_ICONV, "BIG5-HKSCS", NULL },
	{ "big5-hkscs", K_ICONV, "BIG5-HKSCS", NULL },
	{ "cn-big5", K_ICONV, "BIG5-HKSCS", NULL },
	{ "csbig5", K_ICONV, "BIG5-HKSCS", NULL },
	{ "x-x-big5", K_ICONV, "BIG5-HKSCS", NULL },
	{ "cp950", K_ICONV, "BIG5-HKSCS", "CP950" },
	{ "shift_jis", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "shift-jis", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "sjis", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "x-sjis", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "ms_kanji", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "csshiftjis", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "windows-31j", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "cp932", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "ms932", K_ICONV, "CP932", "SHIFT_JIS" },
	{ "euc-jp", K_ICONV, "EUC-JP-MS", "EUC-JP" },
	{ "x-euc-jp", K_ICONV, "EUC-JP-MS", "EUC-JP" },
	{ "iso-2022-jp", K_ICONV, "ISO-2022-JP-2", "ISO-2022-JP-3" },
	{ "csiso2022jp", K_ICONV, "ISO-2022-JP-2", "ISO-2022-JP-3" },
	{ "iso-2022-jp-2", K_ICONV, "ISO-2022-JP-2", "ISO-2022-JP-3" },
	{ "euc-kr", K_ICONV, "CP949", "EUC-KR" },
	{ "ks_c_5601-1987", K_ICONV, "CP949", "EUC-KR" },
	{ "ks_c_5601-1989", K_ICONV, "CP949", "EUC-KR" },
	{ "ks_c_5601", K_ICONV, "CP949", "EUC-KR" },
	{ "ksc5601", K_ICONV, "CP949", "EUC-KR" },
	{ "ksc_5601", K_ICONV, "CP949", "EUC-KR" },
	{ "korean", K_ICONV, "CP949", "EUC-KR" },
	{ "csksc56011987", K_ICONV, "CP949", "EUC-KR" },
	{ "cseuckr", K_ICONV, "CP949", "EUC-KR" },
	{ "windows-949", K_ICONV, "CP949", "EUC-KR" },
	{ "cp949", K_ICONV, "CP949", "EUC-KR" },
	{ "uhc", K_ICONV, "CP949", "EUC-KR" },
	{ "iso-2022-kr", K_ICONV, "ISO-2022-KR", NULL },
	{ "koi8-r", K_ICONV, "KOI8-R", NULL },
	{ "windows-1251", K_ICONV, "WINDOWS-1251", NULL },
	{ "cp1251", K_ICONV, "WINDOWS-1251", NULL },
	{ "x-cp1251", K_ICONV, "WINDOWS-1251", NULL },
	{ "koi8", K_ICONV, "KOI8-R", NULL },
	{ "cskoi8r", K_ICONV, "KOI8-R", NULL },
	{ "koi8-u", K_ICONV, "KOI8-U", NULL },
	{ "koi8-ru", K_ICONV, "KOI8-U", NULL },
	{ "utf-7", K_ICONV, "UTF-7", NULL },
	{ "unicode-1-1-utf-7", K_ICONV, "UTF-7", NULL },
	{ "csunicode11utf7", K_ICONV, "UTF-7", NULL },
	{ "utf-16", K_ICONV, "UTF-16", NULL },
	{ "utf-16le", K_ICONV, "UTF-16LE", NULL },
	{ "utf-16be", K_ICONV, "UTF-16BE", NULL },
	{ "unicode", K_ICONV, "UTF-16", NULL },
	{ "ucs-2", K_ICONV, "UTF-16", NULL },
	{ "x-mac-roman", K_ICONV, "MACINTOSH", NULL },
	{ "mac", K_ICONV, "MACINTOSH", NULL },
	{ "macintosh", K_ICONV, "MACINTOSH", NULL },
	/* More labels of the WHATWG Encoding Standard that iconv does not
	 * know by these names, or maps otherwise. */
	{ "unicode11utf8", K_UTF8, NULL, NULL },
	{ "unicode20utf8", K_UTF8, NULL, NULL },
	{ "iso-8859-6-e", K_ICONV, "ISO-8859-6", NULL },
	{ "iso-8859-6-i", K_ICONV, "ISO-8859-6", NULL },
	{ "csiso88596e", K_ICONV, "ISO-8859-6", NULL },
	{ "csiso88596i", K_ICONV, "ISO-8859-6", NULL },
	{ "csiso88598e", K_ICONV, "ISO-8859-8", NULL },
	{ "csiso88598i", K_ICONV, "ISO-8859-8", NULL },
	{ "sun_eu_greek", K_ICONV, "ISO-8859-7", NULL },
	{ "csisolatin9", K_ICONV, "ISO-8859-15", NULL },
	{ "l9", K_ICONV, "ISO-8859-15", NULL },
	{ "latin-9", K_ICONV, "ISO-8859-15", NULL },
	{ "iso8859_15", K_ICONV, "ISO-8859-15", NULL },
	{ "latin-2", K_ICONV, "ISO-8859-2", NULL },
	{ "iso_8859_1", K_ICONV, "WINDOWS-1252", NULL },
	{ "iso-ir-100", K_ICONV, "WINDOWS-1252", NULL },
	{ "koi", K_ICONV, "KOI8-R", NULL },
	{ "koi8_r", K_ICONV, "KOI8-R", NULL },
	{ "dos-874", K_ICONV, "WINDOWS-874", NULL },
	{ "tis620", K_ICONV, "WINDOWS-874", NULL },
	{ "iso885911", K_ICONV, "WINDOWS-874", NULL },
	{ "x-cp1250", K_ICONV, "WINDOWS-1250", NULL },
	{ "x-cp1253", K_ICONV, "WINDOWS-1253", NULL },
	{ "x-cp1254", K_ICONV, "WINDOWS-1254", NULL },
	{ "x-cp1255", K_ICONV, "WINDOWS-1255", NULL },
	{ "x-cp1256", K_ICONV, "WINDOWS-1256", NULL },
	{ "x-cp1257", K_ICONV, "WINDOWS-1257", NULL },
	{ "x-cp1258", K_ICONV, "WINDOWS-1258", NULL },
	{ "x-mac-cyrillic", K_ICONV, "MAC-CYRILLIC", NULL },
	{ "x-mac-ukrainian", K_ICONV, "MAC-CYRILLIC", NULL },
	{ "x-mac-ce", K_ICONV, "MAC-CENTRALEUROPE", NULL },
	{ "csiso58gb231280", K_ICONV, "GB18030", NULL },
	{ "iso-ir-58", K_ICONV, "GB18030", NULL },
	{ "gb_2312", K_ICONV, "GB18030", NULL },
	{ "gb-2312", K_ICONV, "GB18030", NULL },
	{ "ms936", K_ICONV, "GB18030", NULL },
	{ "windows-936", K_ICONV, "GB18030", NULL },
	{ "iso-ir-149", K_ICONV, "CP949", "EUC-KR" },
	{ "iso-2022-jp-1", K_ICONV, "ISO-2022-JP-2", "ISO-2022-JP-3" },
	{ "iso-2022-jp-3", K_ICONV, "ISO-2022-JP-3", "ISO-2022-JP-2" },
	{ "iso-10646-ucs-2", K_ICONV, "UTF-16", NULL },
	{ "x-unknown", K_UNKNOWN, NULL, NULL },
	{ "unknown", K_UNKNOWN, NULL, NULL },
	{ "unknown-8bit", K_UNKNOWN, NULL, NULL },
	{ "x-user-defined", K_UNKNOWN, NULL, NULL },
	{ "default", K_UNKNOWN, NULL, NULL },
	{ "charset", K_UNKNOWN, NULL, NULL },
};

/* Normalise a label into out (LABEL_MAX + 1 bytes); false when it is
 * empty, too long or holds characters no charset name holds. */
static bool
normalise(char *out, const char *label)
{
	size_t i = 0;

	while (*label == ' ' || *label == '\t' || *label == '"' ||
	    *label == '\'')
		label++;
	for (; *label != '\0'; label++) {
		char c = *label;

		if (c == '"' || c == '\'' || c == ' ' || c == '\t')
			break;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == ':' || c == '(' ||
		    c == ')' || c == '+'))
			return false;
		if (i >= LABEL_MAX)
			return false;
		out[i++] = c;
	}
	out[i] = '\0';
	return i > 0;
}

static const struct alias *
lookup(const char *norm)
{
	size_t i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].label, norm) == 0)
			return &aliases[i];
	return NULL;
}

/* What to do with a label; *alias_r is its table entry, or NULL when the
 * normalised label (in norm) is an iconv name itself. */
static enum kind
classify(const char *label, char *norm, const struct alias **alias_r)
{
	const struct alias *al;
	iconv_t cd;

	*alias_r = NULL;
	if (label == NULL)
		return K_ASCII;
	if (!normalise(norm, label))
		return K_UNKNOWN;
	al = lookup(norm);
	if (al != NULL) {
		*alias_r = al;
		return al->kind;
	}
	cd = iconv_open("UTF-8", norm);
	if (cd == (iconv_t)-1)
		return K_UNKNOWN;
	iconv_close(cd);
	return K_ICONV;
}

bool
charset_is_unknown(const char *label)
{
	char norm[LABEL_MAX + 1];
	const struct alias *al;

	return label != NULL && classify(label, norm, &al) == K_UNKNOWN;
}

/* Convert with one iconv name into tmp; returns the number of refused
 * bytes, or -1 when the converter cannot be opened. tmp's cap (4 bytes
 * out per byte in) is never reached: UTF-8 takes at most 3 bytes per
 * input byte from the charsets iconv knows, and so does U+FFFD. */
static long
run_iconv(struct buf *tmp, const char *name, const char *in, size_t len)
{
	iconv_t cd = iconv_open("UTF-8", name);
	char chunk[4096], *ip = (char *)in, *op;
	size_t ileft = len, oleft;
	long errors = 0;

	if (cd == (iconv_t)-1)
		return -1;
	while (ileft > 0) {
		size_t r;
		int e;

		op = chunk;
		oleft = sizeof(chunk);
		r = iconv(cd, &ip, &ileft, &op, &oleft);
		e = errno;
		if (buf_add(tmp, chunk, sizeof(chunk) - oleft) != 0)
			goto out;
		if (r != (size_t)-1 || e == E2BIG)
			continue;
		/* EILSEQ: one byte becomes U+FFFD and we go on. EINVAL: the
		 * input ends inside a sequence. */
		errors++;
		if (buf_add(tmp, UTF8_REPLACEMENT, 3) != 0)
			goto out;
		if (e != EILSEQ)
			break;
		ip++;
		ileft--;
	}
	/* Return to the initial shift state (stateful charsets). */
	op = chunk;
	oleft = sizeof(chunk);
	if (iconv(cd, NULL, NULL, &op, &oleft) != (size_t)-1)
		(void)!buf_add(tmp, chunk, sizeof(chunk) - oleft);
out:
	iconv_close(cd);
	return errors;
}

/* windows-1252 bytes 0x80-0x9f; 0 where nothing is assigned (iconv
 * refuses those five bytes). 0xa0-0xff are U+00A0-U+00FF. */
static const uint16_t cp1252_high[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

/* run_iconv() for WINDOWS-1252, the converter most mail needs, without
 * iconv: the same output and the same count of refused bytes, at a
 * fraction of the cost (ASCII runs are copied at once). */
static long
run_cp1252(struct buf *tmp, const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, run;
	long errors = 0;

	while (i < len) {
		uint32_t cp;

		for (run = i; run < len && p[run] < 0x80; run++)
			;
		if (run > i && buf_add(tmp, p + i, run - i) != 0)
			return errors;
		i = run;
		if (i >= len)
			break;
		cp = p[i] >= 0xa0 ? p[i] : cp1252_high[p[i] - 0x80];
		if (cp == 0) {
			errors++;
			if (buf_add(tmp, UTF8_REPLACEMENT, 3) != 0)
				return errors;
		} else if (utf8_put(tmp, cp) != 0) {
			return errors;
		}
		i++;
	}
	return errors;
}

static int
convert_iconv(struct buf *out, const char *name, const char *name2,
    const char *in, size_t len, long *errors_r)
{
	struct buf tmp, tmp2;
	long errs, errs2;
	int rc;

	buf_init(&tmp, len * 4 + 16);
	if (strcmp(name, "WINDOWS-1252") == 0)
		errs = run_cp1252(&tmp, in, len);
	else
		errs = run_iconv(&tmp, name, in, len);
	if (errs > 0 && name2 != NULL) {
		buf_init(&tmp2, len * 4 + 16);
		errs2 = run_iconv(&tmp2, name2, in, len);
		if (errs2 >= 0 && errs2 < errs) {
			buf_free(&tmp);
			tmp = tmp2;
			errs = errs2;
		} else {
			buf_free(&tmp2);
		}
	}
	if (errs < 0) {
		buf_free(&tmp);
		return GC_ENOTFOUND;
	}
	if (errors_r != NULL)
		*errors_r = errs;
	rc = utf8_sanitize_buf(out, buf_str(&tmp), tmp.len);
	buf_free(&tmp);
	return rc;
}

/* Text in a stateful ISO-2022 charset announces itself with escape
 * sequences that designate a double-byte set: "iso-2022-jp" (JIS X 0208,
 * 0212, 0213, and the GB 2312 and KS C 5601 of ISO-2022-JP-2), or
 * "iso-2022-kr"; NULL when there is none. */
static const char *
iso2022_kind(const char *in, size_t len)
{
	const char *p = memchr(in, 0x1b, len), *end = in + len;

	for (; p != NULL; p = memchr(p + 1, 0x1b, (size_t)(end - p - 1))) {
		size_t left = (size_t)(end - p - 1);

		if (left >= 2 && p[1] == '$' && (p[2] == 'B' || p[2] == '@' ||
		    p[2] == 'A'))
			return "iso-2022-jp";
		if (left >= 3 && p[1] == '$' && p[2] == '(' && (p[3] == 'D' ||
		    p[3] == 'C' || p[3] == 'O' || p[3] == 'Q' || p[3] == 'P'))
			return "iso-2022-jp";
		if (left >= 3 && p[1] == '$' && p[2] == ')' && p[3] == 'C')
			return "iso-2022-kr";
		if (left >= 2 && p[1] == '(' && (p[2] == 'J' || p[2] == 'I'))
			return "iso-2022-jp";
		if (left < 2)
			break;
	}
	return NULL;
}

/* Text without a usable label: ISO-2022 when it has its escapes, UTF-8
 * when valid, else the charset chardet.h guesses. */
static int
convert_undeclared(struct buf *out, const char *in, size_t len)
{
	const char *label = iso2022_kind(in, len);
	const struct alias *al;
	int rc;

	if (label == NULL && utf8_valid(in, len))
		return utf8_sanitize_buf(out, in, len);
	if (label == NULL)
		label = chardet_guess(in, len);
	if (label != NULL && strcmp(label, "windows-1252") != 0 &&
	    (al = lookup(label)) != NULL) {
		rc = convert_iconv(out, al->conv, al->conv2, in, len, NULL);
		if (rc != GC_ENOTFOUND)
			return rc;
	}
	rc = convert_iconv(out, "WINDOWS-1252", NULL, in, len, NULL);
	if (rc == GC_ENOTFOUND)
		fatal("iconv has no WINDOWS-1252 converter");
	return rc;
}

int
charset_convert(struct buf *out, bool *unknown_r, const char *charset,
    const char *in, size_t len)
{
	char norm[LABEL_MAX + 1];
	const struct alias *al;
	enum kind k = classify(charset, norm, &al);
	size_t start = out->len;
	long errors = 0;
	int rc;

	switch (k) {
	case K_ICONV:
		rc = convert_iconv(out, al ? al->conv : norm,
		    al ? al->conv2 : NULL, in, len, &errors);
		if ((rc == 0 || rc == GC_ELIMIT) && errors > 0 &&
		    utf8_valid(in, len)) {
			/* Mislabelled UTF-8 (e.g. 8-bit text declared as
			 * ISO-2022-JP, which can hold no 8-bit byte): the
			 * converter refused it, UTF-8 reads all of it. Also
			 * when out's cap cut the converter's reading: the
			 * capped text must be a prefix of the full one. */
			out->len = start;
			if (out->data != NULL)
				out->data[start] = '\0';
			return utf8_sanitize_buf(out, in, len);
		}
		if (rc != GC_ENOTFOUND)
			return rc;
		/* The converter went away between the checks: best effort. */
		/* FALLTHROUGH */
	case K_UNKNOWN:
		if (unknown_r != NULL)
			*unknown_r = true;
		/* FALLTHROUGH */
	case K_ASCII:
		return convert_undeclared(out, in, len);
	case K_UTF8:
		if (iso2022_kind(in, len) != NULL)
			return convert_undeclared(out, in, len);
		break;
	}
	return utf8_sanitize_buf(out, in, len);
}

bool
charset_fits(const char *label, const char *in, size_t len)
{
	char norm[LABEL_MAX + 1];
	const struct alias *al;
	struct buf tmp;
	long errors = 1;

	if (label == NULL || classify(label, norm, &al) != K_ICONV)
		return false;
	buf_init(&tmp, len * 4 + 16);
	if (convert_iconv(&tmp, al ? al->conv : norm, al ? al->conv2 : NULL,
	    in, len, &errors) != 0)
		errors = 1;
	buf_free(&tmp);
	return errors == 0;
}

int
charset_convert_guess(struct buf *out, const char *declared, const char *in,
    size_t len)
{
	char norm[LABEL_MAX + 1];
	const struct alias *al;
	enum kind k;
	size_t start = out->len;
	long errors = 0;
	int rc;

	if (iso2022_kind(in, len) == NULL && utf8_valid(in, len))
		return utf8_sanitize_buf(out, in, len);
	k = declared != NULL ? classify(declared, norm, &al) : K_ASCII;
	if (k == K_ICONV && iso2022_kind(in, len) == NULL) {
		rc = convert_iconv(out, al ? al->conv : norm,
		    al ? al->conv2 : NULL, in, len, &errors);
		if (rc != 0 || errors == 0)
			return rc == GC_ENOTFOUND ? convert_undeclared(out, in,
			    len) : rc;
		/* The declared charset refuses the bytes: guess. */
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return convert_undeclared(out, in, len);
}

int
charset_to_utf8(char **out, size_t *len_r, bool *unknown_r,
    struct arena *a, const char *charset, const char *in, size_t len,
    size_t max)
{
	struct buf b;
	int rc;

	*out = NULL;
	buf_init(&b, max);
	rc = charset_convert(&b, unknown_r, charset, in, len);
	if (rc != 0) {
		buf_free(&b);
		return rc;
	}
	*out = arena_strndup(a, buf_str(&b), b.len);
	if (len_r != NULL)
		*len_r = b.len;
	buf_free(&b);
	return 0;
}
