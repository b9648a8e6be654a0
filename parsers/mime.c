/*
 * mime.c - the mail parser (see mime.h)
 *
 * Who does what:
 * - libetpan's RFC 5322 parsers (mailimf) read the structured fields:
 *   address lists and msg-ids; dates are read by date.c, with libetpan
 *   behind it for what it refuses;
 * - the MIME structure is walked by our own code below, and so are the
 *   header blocks, parameters (mimehdr.c) and transfer encodings
 *   (codec.c). libetpan's mailmime_parse() was measured on the corpus and
 *   on hostile input before this choice: it does not crash on the corpus,
 *   but it has no depth limit (it recurses once per level) and its time
 *   grows with the square of the nesting: 118 ms for 1,000 nested
 *   multiparts, 2.5 s for 5,000, 37 s for 20,000 (a 700 KB mail). A mail
 *   must never hang the daemon, so we walk the tree ourselves, with
 *   limits on depth and part count checked as we go.
 *
 * Line ends: a message that holds any LF is read with LF as the line end
 * (a CR before it is dropped); a message with CRs and no LF at all is read
 * with CR as the line end. Nothing is rewritten: parts point into one copy
 * of the input, so attachments keep their exact bytes.
 *
 * A multipart body is split on its own boundary only. A child's range
 * never holds a delimiter of an ancestor (the ancestor split there
 * already), so a missing close delimiter ends the part where the parent's
 * next delimiter is. Each level scans its own range once: the total cost
 * is at most (depth limit) x (input size).
 *
 * libetpan recurses once per nested comment "(((...": values with deeply
 * nested parentheses have their comments removed by us before libetpan
 * sees them, or such a header could exhaust the stack.
 */
#include "parsers/mime.h"

#include <ctype.h>
#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/util.h"
#include "parsers/charset.h"
#include "parsers/chardet.h"
#include "parsers/codec.h"
#include "parsers/date.h"
#include "parsers/enriched.h"
#include "parsers/html.h"
#include "parsers/mimehdr.h"
#include "parsers/quote.h"
#include "parsers/rfc2047.h"
#include "parsers/utf8.h"

#define ARENA_CHUNK (16 * 1024)
#define BOUNDARY_MAX 256        /* longer boundary: no multipart */
#define PAREN_DEPTH_MAX 16      /* deeper comments are stripped first */
#define NONE ((size_t)-1)
#define FORWARD_MARKER "---------- Forwarded message ----------"

struct ctx {
	struct arena *a;
	struct mail_limits lim;
	struct gc_err *err;
	char eol;                   /* '\n' or '\r' */
	size_t nparts;              /* across nested mails */
};

/* A header field as read: name and unfolded value, raw bytes. */
struct field {
	const char *name;
	const char *value;          /* NUL-free, may be invalid UTF-8 */
	size_t len;
	bool plain;                 /* valid UTF-8 without ESC: as it is */
};

struct fields {
	struct field *v;
	size_t n;
};

/* Tree links kept beside the parts while a message is walked. */
struct node {
	size_t first_child, last_child, next;
	const char *start;          /* multipart/related "start" cid */
	bool attach_like;           /* disposition attachment / file name */
};

struct walk {
	struct mail_part *parts;
	struct node *nodes;
	size_t n, cap;
	const char *fallback;       /* charset for raw 8-bit header bytes */
	unsigned base;              /* nesting level of the root part */
};

static int parse_message(struct ctx *c, struct mail *m, const char *p,
    size_t len, unsigned depth);

/* ----- Lines ------------------------------------------------------ */

/* The line at p: *le_r is where its content ends (before CR/LF), the
 * return value where the next line starts. */
static const char *
line_next(const struct ctx *c, const char *p, const char *end,
    const char **le_r)
{
	const char *nl = memchr(p, c->eol, (size_t)(end - p));
	const char *le = nl != NULL ? nl : end;

	if (c->eol == '\n' && le > p && le[-1] == '\r')
		le--;
	*le_r = le;
	return nl != NULL ? nl + 1 : end;
}

/* Where the content before the line at ls ends: the line break in front
 * of a delimiter line belongs to the delimiter. */
static const char *
before_break(const struct ctx *c, const char *start, const char *ls)
{
	if (ls > start && ls[-1] == c->eol) {
		ls--;
		if (c->eol == '\n' && ls > start && ls[-1] == '\r')
			ls--;
	}
	return ls;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Length of the field name at the start of a line, colon excluded, or 0
 * when the line is not "name[blanks]:". */
static size_t
field_name_len(const char *ls, const char *le, const char **colon_r)
{
	const char *q = ls;
	size_t n;

	while (q < le && (unsigned char)*q > 32 && (unsigned char)*q < 127 &&
	    *q != ':')
		q++;
	n = (size_t)(q - ls);
	while (q < le && is_blank(*q))
		q++;
	if (n == 0 || q >= le || *q != ':')
		return 0;
	*colon_r = q;
	return n;
}

static bool
line_is_blankish(const char *ls, const char *le)
{
	for (; ls < le; ls++)
		if (!is_blank(*ls) && *ls != '\r')
			return false;
	return true;
}

/* ----- Header blocks ---------------------------------------------- */

#define STRAY_LOOKAHEAD 8

/* Does a field line come within STRAY_LOOKAHEAD lines from p, before a
 * blank line? */
static bool
field_follows(const struct ctx *c, const char *p, const char *end)
{
	const char *le, *colon;
	int i;

	for (i = 0; i < STRAY_LOOKAHEAD && p < end; i++) {
		const char *next = line_next(c, p, end, &le);

		if (le == p)
			return false;
		if (field_name_len(p, le, &colon) > 0)
			return true;
		p = next;
	}
	return false;
}

/* Does a header block of a message start within STRAY_LOOKAHEAD lines
 * from p: a field line, then (before a blank line, within HEADER_PROBE
 * lines) one of the fields every mail has? */
#define HEADER_PROBE 64

static bool
header_follows(const struct ctx *c, const char *p, const char *end)
{
	static const char *const known[] = {
		"from", "to", "subject", "date", "message-id", "received",
		"return-path", "mime-version", "content-type", "sender",
		"delivered-to", "reply-to",
	};
	const char *le, *colon;
	size_t n, k;
	int i;

	for (i = 0; i < STRAY_LOOKAHEAD && p < end; i++) {
		const char *next = line_next(c, p, end, &le);

		if (le == p)
			return false;
		if (field_name_len(p, le, &colon) > 0)
			break;
		p = next;
	}
	for (i = 0; i < HEADER_PROBE && p < end; i++) {
		const char *next = line_next(c, p, end, &le);

		if (le == p)
			return false;
		n = field_name_len(p, le, &colon);
		for (k = 0; n > 0 && k < sizeof(known) / sizeof(known[0]);
		    k++)
			if (strlen(known[k]) == n &&
			    strncasecmp(p, known[k], n) == 0)
				return true;
		p = next;
	}
	return false;
}

static void
add_bytes(struct buf *b, const char *p, size_t n)
{
	size_t i, run = 0;

	/* NUL bytes are dropped; CR and LF inside a line become spaces. */
	for (i = 0; i < n; i++) {
		if (p[i] != '\0' && p[i] != '\r' && p[i] != '\n') {
			run++;
			continue;
		}
		if (run > 0)
			(void)!buf_add(b, p + i - run, run);
		run = 0;
		if (p[i] != '\0')
			(void)!buf_addc(b, ' ');
	}
	if (run > 0)
		(void)!buf_add(b, p + n - run, run);
}

static void
push_field(struct ctx *c, struct field **v, size_t *n, size_t *cap,
    const char *name, size_t namelen, struct buf *val)
{
	struct field *f;
	const char *s = buf_str(val);
	size_t len = val->len;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	while (len > 0 && is_blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	f = &(*v)[(*n)++];
	f->name = arena_strndup(c->a, name, namelen);
	f->value = arena_strndup(c->a, s, len);
	f->len = len;
	f->plain = utf8_valid(f->value, len) && memchr(f->value, 0x1b, len) ==
	    NULL;
	buf_reset(val);
}

/* An mbox separator line, "From " or the escaped ">From " of a message
 * taken out of an mbox without unescaping. */
static bool
is_mbox_from(const char *ls, const char *le)
{
	if (le - ls >= 1 && ls[0] == '>')
		ls++;
	return le - ls >= 5 && memcmp(ls, "From ", 5) == 0;
}

/* Read the header block at [p, end). *body_r gets the start of the body.
 * top: skip leading blank lines and an mbox "From " line first. */
static int
read_fields(struct ctx *c, struct fields *out, const char **body_r,
    const char *p, const char *end, bool top)
{
	const char *start = p, *first, *ls, *le, *next, *colon = NULL;
	const char *name = NULL;
	size_t namelen = 0, n = 0, cap = 0;
	struct field *v = NULL;
	struct buf val;

	out->v = NULL;
	out->n = 0;
	if (top) {
		size_t stray = 0;

		if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		first = p;
		while (p < end) {
			next = line_next(c, p, end, &le);
			if (line_is_blankish(p, le) ||
			    (p == first && is_mbox_from(p, le))) {
				p = next;
				continue;
			}
			/* Stray lines before the first field (an mbox
			 * "From " line after a blank one, a line a tool
			 * added): skipped when a header block follows. */
			if (stray < STRAY_LOOKAHEAD && !is_blank(*p) &&
			    field_name_len(p, le, &colon) == 0 &&
			    header_follows(c, next, end)) {
				stray++;
				p = next;
				continue;
			}
			break;
		}
	}
	buf_init(&val, c->lim.max_header_bytes + 1);
	while (p < end) {
		ls = p;
		next = line_next(c, p, end, &le);
		if ((size_t)(next - start) > c->lim.max_header_bytes) {
			buf_free(&val);
			free(v);
			return gc_err_set(c->err, GC_ELIMIT,
			    "header block over %zu bytes",
			    c->lim.max_header_bytes);
		}
		if (le == ls) {             /* the blank line */
			p = next;
			break;
		}
		if (is_blank(*ls)) {
			if (name != NULL) {
				add_bytes(&val, ls, (size_t)(le - ls));
			} else if (!top) {
				break;      /* no header: the body starts */
			}
			p = next;
			continue;
		}
		if (field_name_len(ls, le, &colon) == 0) {
			/* A stray line among fields (folding that lost its
			 * blank) continues the field before it when more
			 * fields follow; otherwise the body starts here. */
			if (name == NULL || !field_follows(c, next, end))
				break;
			(void)!buf_addc(&val, ' ');
			add_bytes(&val, ls, (size_t)(le - ls));
			p = next;
			continue;
		}
		if (name != NULL)
			push_field(c, &v, &n, &cap, name, namelen, &val);
		name = ls;
		namelen = field_name_len(ls, le, &colon);
		add_bytes(&val, colon + 1, (size_t)(le - colon - 1));
		p = next;
	}
	if (name != NULL)
		push_field(c, &v, &n, &cap, name, namelen, &val);
	buf_free(&val);
	if (p >= end)
		p = end;
	*body_r = p;
	if (n > 0) {
		out->v = arena_memdup(c->a, v, n * sizeof(*v));
		out->n = n;
	}
	free(v);
	return 0;
}

/* Field names are equal (ASCII case-insensitive)? The first letter is
 * compared inline: most names differ there. */
static bool
same_name(const char *a, const char *b)
{
	return ((a[0] ^ b[0]) & ~0x20) == 0 && str_casecmp(a, b) == 0;
}

static const struct field *
field_get(const struct fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (same_name(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

/* A raw value as UTF-8 text: 8-bit bytes in fallback, controls other
 * than TAB removed. */
static char *
field_text(struct ctx *c, const char *fallback, const char *v, size_t len,
    bool plain)
{
	char *s;

	if (plain) {
		s = arena_strndup(c->a, v, len);
	} else {
		struct buf b;

		buf_init(&b, len * 4 + 16);
		if (charset_convert_guess(&b, fallback, v, len) != 0)
			fatal("mime: buffer cap reached");
		s = arena_strndup(c->a, buf_str(&b), b.len);
		buf_free(&b);
	}
	return utf8_strip_controls(s, false, true);
}

static void
make_headers(struct ctx *c, const struct mail_header **out, size_t *n_r,
    const struct fields *f, const char *fallback)
{
	struct mail_header *h = arena_alloc(c->a, (f->n + 1) * sizeof(*h));
	size_t i;

	for (i = 0; i < f->n; i++) {
		/* names are printable ASCII by construction */
		h[i].name = f->v[i].name;
		h[i].value = field_text(c, fallback, f->v[i].value,
		    f->v[i].len, f->v[i].plain);
	}
	*out = h;
	*n_r = f->n;
}

/* The charset to read raw 8-bit header bytes in: the one the message
 * declares for its body when it is a known one (charset_convert_guess()
 * guesses when there is none or it does not fit). */
static const char *
header_fallback(struct ctx *c, const struct fields *f)
{
	const struct field *ct = field_get(f, "Content-Type");
	const struct mimehdr_param *cs;
	struct mimehdr h;

	if (ct == NULL)
		return NULL;
	mimehdr_parse(&h, c->a, ct->value, ct->len);
	cs = mimehdr_param(&h, "charset");
	if (cs == NULL || cs->value[0] == '\0' ||
	    charset_is_unknown(cs->value))
		return NULL;
	return cs->value;
}

/* The charset of the raw 8-bit bytes of a header block, decided once
 * for all its fields (and with all their text, the more to guess
 * from): the one declared for the body when it reads them all, else the
 * guess of chardet.h; the declared one (or NULL) when there are none. */
static const char *
header_charset(struct ctx *c, const struct fields *f)
{
	const char *declared = header_fallback(c, f), *guess;
	struct buf b;
	size_t i;

	buf_init(&b, CHARDET_SAMPLE + 1);
	for (i = 0; i < f->n && b.len < CHARDET_SAMPLE; i++) {
		const struct field *fl = &f->v[i];
		size_t n = fl->len;

		if (fl->plain)
			continue;
		if (n > CHARDET_SAMPLE - b.len)
			n = CHARDET_SAMPLE - b.len;
		(void)!buf_add(&b, fl->value, n);
		(void)!buf_addc(&b, '\n');
	}
	if (b.len == 0 || (declared != NULL &&
	    charset_fits(declared, buf_str(&b), b.len))) {
		buf_free(&b);
		return declared;
	}
	guess = chardet_guess(buf_str(&b), b.len);
	buf_free(&b);
	return guess != NULL ? guess : declared;
}

/* ----- Structured fields (libetpan) ------------------------------- */

/* v without its comments (outside quoted strings). */
static char *
strip_comments(struct ctx *c, const char *v)
{
	char *s = arena_strdup(c->a, v), *w = s;
	size_t depth = 0;
	bool quoted = false;

	for (; *v != '\0'; v++) {
		if (*v == '\\' && v[1] != '\0') {
			if (depth == 0) {
				*w++ = v[0];
				*w++ = v[1];
			}
			v++;
			continue;
		}
		if (depth == 0 && *v == '"')
			quoted = !quoted;
		if (!quoted && *v == '(') {
			depth++;
			continue;
		}
		if (!quoted && *v == ')' && depth > 0) {
			depth--;
			continue;
		}
		if (depth == 0)
			*w++ = *v;
	}
	*w = '\0';
	return s;
}

/* A copy of v that libetpan may read safely: comments are removed when
 * they nest deeper than PAREN_DEPTH_MAX. */
static char *
etpan_safe(struct ctx *c, const char *v)
{
	size_t depth = 0, maxd = 0;
	const char *q;

	for (q = v; *q != '\0'; q++) {
		if (*q == '(')
			depth++;
		else if (*q == ')' && depth > 0)
			depth--;
		if (depth > maxd)
			maxd = depth;
	}
	if (maxd > PAREN_DEPTH_MAX)
		return strip_comments(c, v);
	return arena_strdup(c->a, v);
}

/* Display text: RFC 2047 decoded, controls removed, blanks squeezed;
 * NULL when empty. */
static const char *
display_text(struct ctx *c, const char *v, size_t len)
{
	char *s = rfc2047_decode(c->a, v, len, NULL, NULL);

	utf8_strip_controls(s, false, false);
	utf8_squeeze_spaces(s);
	return s[0] != '\0' ? s : NULL;
}

/* v without blanks, controls and angle brackets (lower_domain: with the
 * part after the last '@' lowercased); NULL when nothing is left. */
static const char *
squash(struct ctx *c, const char *v, size_t len, bool lower_domain)
{
	char *s = arena_alloc(c->a, len + 1), *at;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch <= 32 || ch == 127 || ch == '<' || ch == '>')
			continue;
		s[n++] = (char)ch;
	}
	s[n] = '\0';
	if (n == 0)
		return NULL;
	at = strrchr(s, '@');
	if (lower_domain && at != NULL)
		str_tolower(at + 1);
	return utf8_sanitize(c->a, s, n, NULL);
}

static const char *
clean_addr(struct ctx *c, const char *v, size_t len)
{
	return squash(c, v, len, true);
}

struct addrs {
	struct mail_addr *v;
	size_t n, cap;
};

static void
push_addr(struct addrs *l, const char *name, const char *addr)
{
	if (name == NULL && addr == NULL)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n].name = name;
	l->v[l->n].addr = addr;
	l->n++;
}

static const char *name_text(struct ctx *c, const char *ns, const char *ne);

static void
push_mailbox(struct ctx *c, struct addrs *l, const struct mailimf_mailbox *mb)
{
	const char *name = NULL, *addr = NULL;

	if (mb == NULL)
		return;
	if (mb->mb_display_name != NULL)
		name = name_text(c, mb->mb_display_name,
		    mb->mb_display_name + strlen(mb->mb_display_name));
	if (mb->mb_addr_spec != NULL)
		addr = clean_addr(c, mb->mb_addr_spec,
		    strlen(mb->mb_addr_spec));
	push_addr(l, name, addr);
}

/* A display name: quotes around it (or an unclosed one at one end)
 * dropped, then as display_text(). */
static const char *
name_text(struct ctx *c, const char *ns, const char *ne)
{
	while (ns < ne && (is_blank(*ns) || *ns == '"' || *ns == ','))
		ns++;
	while (ne > ns && (is_blank(ne[-1]) || ne[-1] == '"' ||
	    ne[-1] == ','))
		ne--;
	return ne > ns ? display_text(c, ns, (size_t)(ne - ns)) : NULL;
}

/* Characters that end an address written without angle brackets. */
static bool
addr_stop(char ch)
{
	return is_blank(ch) || ch == '"' || ch == '\'' || ch == '<' ||
	    ch == '>' || ch == '(' || ch == ')' || ch == ',' || ch == ';' ||
	    ch == '[' || ch == ']';
}

/* Our own reading of one address that libetpan refused or misread: the
 * last "<...>" holding an '@' (or an unclosed "<..." at the end), with
 * the text before it as the name; else the last word holding an '@',
 * with the text before it as the name. A name in broken form (an
 * encoded word glued to the address or never closed, raw 8-bit bytes,
 * a quote never closed) never costs the address. */
static void
fallback_addr(struct ctx *c, struct addrs *l, const char *seg, size_t seglen)
{
	const char *s = strip_comments(c, arena_strndup(c->a, seg, seglen));
	const char *lt, *gt, *at, *ws, *we, *end;
	const char *name = NULL, *addr = NULL;
	size_t len = strlen(s);

	/* An unclosed comment swallowed the address: read the raw text. */
	if (memchr(s, '@', len) == NULL) {
		s = arena_strndup(c->a, seg, seglen);
		len = strlen(s);
	}
	end = s + len;
	if (memchr(s, '@', len) == NULL)
		return;
	/* One backward pass: the nearest '>' and '@' after each '<'. */
	lt = NULL;
	gt = end;
	at = NULL;
	for (ws = end; ws > s && lt == NULL;) {
		ws--;
		if (*ws == '>')
			gt = ws;
		else if (*ws == '@')
			at = ws;
		else if (*ws == '<' && at != NULL && at < gt)
			lt = ws;
	}
	if (lt != NULL) {
		addr = clean_addr(c, lt + 1, (size_t)(gt - lt - 1));
		name = name_text(c, s, lt);
	} else {
		at = memrchr(s, '@', len);
		ws = at;
		while (ws > s && !addr_stop(ws[-1]))
			ws--;
		we = at;
		while (we < end && !addr_stop(*we))
			we++;
		addr = clean_addr(c, ws, (size_t)(we - ws));
		name = name_text(c, s, ws);
	}
	if (name != NULL && addr != NULL && str_casecmp(name, addr) == 0)
		name = NULL;
	push_addr(l, name, addr);
}

/* The end of the address that starts at i: the next ',' outside quotes,
 * comments, angle brackets and groups ("name: a, b;"). */
static size_t
addr_end(const char *s, size_t i, size_t len, bool groups)
{
	bool quoted = false, group = false;
	int angle = 0, paren = 0;

	for (; i < len; i++) {
		char ch = s[i];

		if (ch == '\\' && i + 1 < len)
			i++;
		else if (ch == '"' && paren == 0)
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (ch == '(')
			paren++;
		else if (ch == ')' && paren > 0)
			paren--;
		else if (paren > 0)
			continue;
		else if (ch == '<')
			angle++;
		else if (ch == '>' && angle > 0)
			angle--;
		else if (angle > 0)
			continue;
		else if (ch == ':' && groups)
			group = true;
		else if (ch == ';')
			group = false;
		else if (ch == ',' && !group)
			return i;
	}
	return len;
}

static void
push_etpan_list(struct ctx *c, struct addrs *l,
    const struct mailimf_address_list *al)
{
	clistiter *it, *j;

	for (it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		struct mailimf_address *ad = clist_content(it);

		if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			push_mailbox(c, l, ad->ad_data.ad_mailbox);
			continue;
		}
		if (ad->ad_data.ad_group == NULL ||
		    ad->ad_data.ad_group->grp_mb_list == NULL)
			continue;
		for (j = clist_begin(ad->ad_data.ad_group->grp_mb_list->
		    mb_list); j != NULL; j = clist_next(j))
			push_mailbox(c, l, clist_content(j));
	}
}

/* Is libetpan's addr-spec one? It reads leniently, and hands back a
 * name glued to the address ("=?gb2312?b?...?=<a@b>", a quote or an
 * encoded word never closed) or a word of the name as an address of its
 * own ("Jean;Paul <a@b>"). has_at: the text it read holds an '@'. */
static bool
plausible_addr(const char *a, bool has_at)
{
	const char *q = a;

	if (a == NULL || strchr(a, '@') == NULL)
		return !has_at;
	if (*q == '"') {            /* "john doe"@example.com */
		q = strchr(q + 1, '"');
		if (q == NULL || q[1] != '@')
			return false;
		q++;
	}
	for (; *q != '\0'; q++) {
		switch (*q) {
		case '<': case '>': case '(': case ')': case '"': case ',':
		case ';': case '\\': case 127:
			return false;
		case '=':
			if (q[1] == '?')
				return false;
			break;
		default:
			if ((unsigned char)*q <= 32)
				return false;
		}
	}
	return true;
}

static bool
plausible_list(const struct mailimf_address_list *al, bool has_at)
{
	clistiter *it, *j;

	for (it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		struct mailimf_address *ad = clist_content(it);
		const struct mailimf_mailbox *mb;

		if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			mb = ad->ad_data.ad_mailbox;
			if (mb != NULL && !plausible_addr(mb->mb_addr_spec,
			    has_at))
				return false;
			continue;
		}
		if (ad->ad_data.ad_group == NULL ||
		    ad->ad_data.ad_group->grp_mb_list == NULL)
			continue;
		for (j = clist_begin(ad->ad_data.ad_group->grp_mb_list->
		    mb_list); j != NULL; j = clist_next(j)) {
			mb = clist_content(j);
			if (!plausible_addr(mb->mb_addr_spec, has_at))
				return false;
		}
	}
	return true;
}

/* Our reading of a segment libetpan refused: address by address, a
 * group's "name:" and ";" dropped. */
static void
fallback_list(struct ctx *c, struct addrs *l, const char *s, size_t len)
{
	size_t i = 0, e, k;

	while (i < len) {
		while (i < len && (is_blank(s[i]) || s[i] == ','))
			i++;
		if (i >= len)
			break;
		e = addr_end(s, i, len, false);
		for (k = i; k < e && s[k] != '<' && s[k] != '"' &&
		    s[k] != ':'; k++)
			;
		if (k < e && s[k] == ':' && memchr(s + k, '@', e - k) != NULL)
			i = k + 1;      /* "group name:" */
		fallback_addr(c, l, s + i, e - i);
		i = e + 1;
	}
}

/* A display name with an unquoted comma ("Dupont, Jean <j@x>", or an
 * encoded word then ",<j@x>") reads as a name-only address and then the
 * real one. When the address at [i, *e_r) has no '@', '<', ':' or ';'
 * and the next one has a "<...@...>", both are one: *e_r moves to the
 * end of the next one and true is returned. */
static bool
merge_name(const char *s, size_t i, size_t *e_r, size_t len)
{
	size_t e = *e_r, e2, k;
	const char *lt;

	if (e >= len)
		return false;
	for (k = i; k < e; k++)
		if (s[k] == '@' || s[k] == '<' || s[k] == ':' || s[k] == ';' ||
		    s[k] == '"')
			return false;
	e2 = addr_end(s, e + 1, len, true);
	lt = memchr(s + e + 1, '<', e2 - e - 1);
	if (lt == NULL || memchr(lt, '@', (size_t)(s + e2 - lt)) == NULL)
		return false;
	*e_r = e2;
	return true;
}

/* Each address (or group) is handed to libetpan on its own: given the
 * whole rest of the value after each failure, libetpan would rescan it
 * (an unterminated quoted string runs to the end) and a long hostile
 * field would take quadratic time. What libetpan cannot read is read by
 * fallback_addr(). */
static void
parse_addr_list(struct ctx *c, struct addrs *l, const char *value)
{
	const char *s = etpan_safe(c, value);
	size_t len = strlen(s), i = 0, n0 = l->n;

	while (i < len) {
		struct mailimf_address_list *al = NULL;
		size_t idx = 0, e;
		bool has_at;
		int r;

		while (i < len && (is_blank(s[i]) || s[i] == ','))
			i++;
		if (i >= len)
			break;
		e = addr_end(s, i, len, true);
		if (merge_name(s, i, &e, len)) {
			fallback_addr(c, l, s + i, e - i);
			i = e + 1;
			continue;
		}
		has_at = memchr(s + i, '@', e - i) != NULL;
		r = mailimf_address_list_parse(s + i, e - i, &idx, &al);
		if (r == MAILIMF_NO_ERROR && al != NULL &&
		    plausible_list(al, has_at)) {
			push_etpan_list(c, l, al);
			/* something after what it could read */
			if (idx < e - i && !line_is_blankish(s + i + idx,
			    s + e) && s[i + idx] != ',')
				fallback_list(c, l, s + i + idx, e - i - idx);
		} else {
			fallback_list(c, l, s + i, e - i);
		}
		if (al != NULL)
			mailimf_address_list_free(al);
		i = e + 1;
	}
	/* "addr (Name)": the old way to give a name, still seen. */
	if (l->n == n0 + 1 && l->v[n0].name == NULL &&
	    strchr(s, '<') == NULL) {
		const char *o = strchr(s, '('), *cl = strrchr(s, ')');

		if (o != NULL && cl != NULL && cl > o + 1)
			l->v[n0].name = display_text(c, o + 1,
			    (size_t)(cl - o - 1));
	}
}

static void
collect_addrs(struct ctx *c, const struct mail_addr **out, size_t *n_r,
    const struct mail *m, const char *name)
{
	struct addrs l = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (same_name(m->headers[i].name, name))
			parse_addr_list(c, &l, m->headers[i].value);
	*out = l.n > 0 ? arena_memdup(c->a, l.v, l.n * sizeof(*l.v)) : NULL;
	*n_r = l.n;
	free(l.v);
}

struct strs {
	const char **v;
	size_t n, cap;
};

static void
push_str(struct strs *l, const char *s)
{
	if (s == NULL)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = s;
}

/* Every "<...>" of a value, for msg-id lists libetpan could not read. */
static void
scan_ids(struct ctx *c, struct strs *l, const char *s)
{
	const char *lt, *gt;

	while ((lt = strchr(s, '<')) != NULL) {
		gt = strchr(lt + 1, '>');
		if (gt == NULL)
			break;
		push_str(l, squash(c, lt + 1, (size_t)(gt - lt - 1), false));
		s = gt + 1;
	}
}

static void
parse_id_list(struct ctx *c, struct strs *l, const char *value)
{
	const char *s = etpan_safe(c, value);
	struct strs own = { NULL, 0, 0 };
	clist *lst = NULL;
	size_t idx = 0;

	if (mailimf_msg_id_list_parse(s, strlen(s), &idx, &lst) ==
	    MAILIMF_NO_ERROR && lst != NULL) {
		clistiter *it;

		for (it = clist_begin(lst); it != NULL; it = clist_next(it)) {
			char *id = clist_content(it);

			push_str(l, squash(c, id, strlen(id), false));
			free(id);
		}
		clist_free(lst);
	}
	/* libetpan stops at the first thing it cannot read; when our plain
	 * scan finds more ids, it wins. */
	scan_ids(c, &own, s);
	if (own.n > l->n) {
		free(l->v);
		*l = own;
	} else {
		free(own.v);
	}
}

static const char *
parse_id(struct ctx *c, const char *value)
{
	const char *s = etpan_safe(c, value), *res = NULL;
	char *id = NULL;
	size_t idx = 0;

	if (mailimf_msg_id_parse(s, strlen(s), &idx, &id) ==
	    MAILIMF_NO_ERROR && id != NULL) {
		res = squash(c, id, strlen(id), false);
		free(id);
	}
	if (res == NULL) {
		struct strs l = { NULL, 0, 0 };

		scan_ids(c, &l, s);
		res = l.n > 0 ? l.v[0] : NULL;
		free(l.v);
	}
	return res;
}

/* Our reader first (date.h): libetpan refuses many dates of real mail
 * and misreads some zones ("UT", "GMT+1" and "+01:00" as +0001). What
 * ours refuses, libetpan may still read (it ignores trailing text). */
static bool
parse_date(time_t *out, struct ctx *c, const char *value)
{
	const char *s;
	struct mailimf_date_time *dt = NULL;
	size_t idx = 0;
	int zone;
	bool ok;

	if (date_parse(out, value, strlen(value), NULL) == 0)
		return true;
	s = strip_comments(c, value);
	if (mailimf_date_time_parse(s, strlen(s), &idx, &dt) !=
	    MAILIMF_NO_ERROR || dt == NULL)
		return false;
	zone = dt->dt_zone;
	if ((zone < 0 ? -zone : zone) % 100 > 59 ||
	    (zone < 0 ? -zone : zone) / 100 > 23)
		zone = 0;
	zone = (zone < 0 ? -1 : 1) * ((zone < 0 ? -zone : zone) / 100 * 60 +
	    (zone < 0 ? -zone : zone) % 100);
	ok = date_make(out, dt->dt_year, dt->dt_month, dt->dt_day,
	    dt->dt_hour, dt->dt_min, dt->dt_sec, zone, NULL) == 0;
	mailimf_date_time_free(dt);
	return ok;
}

/* Return-Path: "<addr>" -> addr, "<>" -> "", NULL when unreadable. */
static const char *
parse_return_path(struct ctx *c, const char *v)
{
	const char *lt = strchr(v, '<'), *gt, *a;

	if (lt == NULL)
		return squash(c, v, strlen(v), true);
	gt = strchr(lt, '>');
	if (gt == NULL)
		gt = lt + strlen(lt);
	a = squash(c, lt + 1, (size_t)(gt - lt - 1), true);
	return a != NULL ? a : "";
}

/* The first address of a list that has an '@' (the sender a reply must
 * reach), else the first one; both NULL for an empty list. */
static struct mail_addr
first_with_at(const struct addrs *l)
{
	struct mail_addr none = { NULL, NULL };
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].addr != NULL && strchr(l->v[i].addr, '@') != NULL)
			return l->v[i];
	return l->n > 0 ? l->v[0] : none;
}

static void
read_envelope(struct ctx *c, struct mail *m)
{
	const char *v;
	struct strs ids = { NULL, 0, 0 };

	v = mail_header_get(m, "Subject");
	m->subject = "";
	if (v != NULL) {
		const char *s = display_text(c, v, strlen(v));

		m->subject = s != NULL ? s : "";
	}
	v = mail_header_get(m, "From");
	if (v != NULL) {
		struct addrs l = { NULL, 0, 0 };

		parse_addr_list(c, &l, v);
		m->from = first_with_at(&l);
		free(l.v);
	}
	collect_addrs(c, &m->to, &m->nto, m, "To");
	collect_addrs(c, &m->cc, &m->ncc, m, "Cc");
	collect_addrs(c, &m->reply_to, &m->nreply_to, m, "Reply-To");
	v = mail_header_get(m, "Sender");
	if (v != NULL) {
		struct addrs l = { NULL, 0, 0 };

		parse_addr_list(c, &l, v);
		m->sender = first_with_at(&l).addr;
		free(l.v);
	}
	v = mail_header_get(m, "Return-Path");
	if (v != NULL)
		m->return_path = parse_return_path(c, v);
	v = mail_header_get(m, "Message-ID");
	if (v != NULL)
		m->message_id = parse_id(c, v);
	v = mail_header_get(m, "In-Reply-To");
	if (v != NULL) {
		parse_id_list(c, &ids, v);
		if (ids.n > 0)
			m->in_reply_to = ids.v[0];
		free(ids.v);
		ids.v = NULL;
		ids.n = ids.cap = 0;
	}
	v = mail_header_get(m, "References");
	if (v != NULL) {
		parse_id_list(c, &ids, v);
		if (ids.n > 0) {
			m->references = arena_memdup(c->a, ids.v,
			    ids.n * sizeof(*ids.v));
			m->nreferences = ids.n;
		}
		free(ids.v);
	}
	v = mail_header_get(m, "Date");
	if (v != NULL)
		m->has_date = parse_date(&m->date, c, v);
}

/* ----- The MIME walk ---------------------------------------------- */

static size_t
push_part(struct walk *w)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->parts = xrealloc(w->parts, w->cap * sizeof(*w->parts));
		w->nodes = xrealloc(w->nodes, w->cap * sizeof(*w->nodes));
	}
	memset(&w->parts[w->n], 0, sizeof(w->parts[w->n]));
	memset(&w->nodes[w->n], 0, sizeof(w->nodes[w->n]));
	w->nodes[w->n].first_child = NONE;
	w->nodes[w->n].last_child = NONE;
	w->nodes[w->n].next = NONE;
	return w->n++;
}

static void
link_child(struct walk *w, size_t parent, size_t child)
{
	struct node *p = &w->nodes[parent];

	w->parts[child].parent = parent;
	if (p->last_child == NONE)
		p->first_child = child;
	else
		w->nodes[p->last_child].next = child;
	p->last_child = child;
}

static bool
is_tokenchar(char ch)
{
	return (unsigned char)ch > 32 && (unsigned char)ch < 127 &&
	    strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!is_tokenchar(*s))
			return false;
	return true;
}

/* The content type to act on: the declared one when it is well formed,
 * else the RFC 2045 default. */
static const char *
content_type(const char *v, bool digest)
{
	const char *slash = strchr(v, '/'), *q;

	if (v[0] == '\0')
		return digest ? "message/rfc822" : "text/plain";
	if (strcmp(v, "text") == 0)
		return "text/plain";
	if (slash == NULL || slash == v || slash[1] == '\0')
		return "text/plain";
	for (q = v; *q != '\0'; q++)
		if (q != slash && !is_tokenchar(*q))
			return "text/plain";
	return v;
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A file name for display: the last path component, NULL if empty. */
static const char *
base_name(const char *name)
{
	const char *b = name;
	const char *q;

	if (name == NULL)
		return NULL;
	for (q = name; *q != '\0'; q++)
		if (*q == '/' || *q == '\\')
			b = q + 1;
	if (b[0] == '\0' || strcmp(b, ".") == 0 || strcmp(b, "..") == 0)
		return NULL;
	return b;
}

static bool
is_report_type(const char *ct)
{
	return strcmp(ct, "message/delivery-status") == 0 ||
	    strcmp(ct, "message/global-delivery-status") == 0 ||
	    strcmp(ct, "message/disposition-notification") == 0 ||
	    strcmp(ct, "message/global-disposition-notification") == 0 ||
	    strcmp(ct, "message/feedback-report") == 0 ||
	    strcmp(ct, "text/rfc822-headers") == 0 ||
	    strcmp(ct, "message/rfc822-headers") == 0 ||
	    strcmp(ct, "message/global-headers") == 0;
}

static bool
is_message_type(const char *ct)
{
	return strcmp(ct, "message/rfc822") == 0 ||
	    strcmp(ct, "message/global") == 0 ||
	    strcmp(ct, "text/rfc822-headers") == 0 ||
	    strcmp(ct, "message/rfc822-headers") == 0 ||
	    strcmp(ct, "message/global-headers") == 0;
}

/* message/partial; number=1: the start of a message split in several
 * mails (RFC 2046 5.2.2), readable as a (truncated) message. */
static bool
is_first_fragment(const char *type, const struct mimehdr *ct)
{
	const struct mimehdr_param *n;

	if (strcmp(type, "message/partial") != 0)
		return false;
	n = mimehdr_param(ct, "number");
	return n != NULL && strcmp(n->value, "1") == 0;
}

static int walk(struct ctx *c, struct walk *w, const struct fields *f,
    const char *body, const char *end, size_t parent, unsigned depth,
    bool digest);

/* ----- Content-Transfer-Encoding as written ----------------------- */

static bool
is_identity(const char *e)
{
	return strcmp(e, "7bit") == 0 || strcmp(e, "8bit") == 0 ||
	    strcmp(e, "binary") == 0;
}

static bool
is_decoded(const char *e)
{
	return strcmp(e, "base64") == 0 ||
	    strcmp(e, "quoted-printable") == 0 ||
	    strcmp(e, "x-uuencode") == 0 || strcmp(e, "uuencode") == 0 ||
	    strcmp(e, "x-uue") == 0;
}

/* The usual name of an encoding written unusually ("Base-64",
 * "x-base64", "\"base64\"", "quoted_printable", "qp", "b"), or v. */
static const char *
encoding_name(const char *v)
{
	static const char *const b64[] = {
		"base64", "base-64", "x-base64", "base_64", "b64", "b",
		"base64encoded",
	};
	static const char *const qp[] = {
		"quoted-printable", "quoted_printable", "quotedprintable",
		"x-quoted-printable", "qp", "q", "quoted-printed",
	};
	char norm[32];
	size_t i, n = 0;

	for (; *v != '\0' && n + 1 < sizeof(norm); v++)
		if (*v != '"' && *v != '\'' && *v != ';' && *v != '.')
			norm[n++] = *v;
	norm[n] = '\0';
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++)
		if (strcmp(norm, b64[i]) == 0)
			return "base64";
	for (i = 0; i < sizeof(qp) / sizeof(qp[0]); i++)
		if (strcmp(norm, qp[i]) == 0)
			return "quoted-printable";
	if (strcmp(norm, "7-bit") == 0 || strcmp(norm, "7bits") == 0)
		return "7bit";
	if (strcmp(norm, "8-bit") == 0 || strcmp(norm, "8bits") == 0)
		return "8bit";
	return NULL;
}

static const char *sniff_encoding(const char *p, const char *end);

/* The part's transfer encoding, lowercase, NULL when none: written
 * unusually it is read as what it means; with several fields (a mailer
 * that adds its own), one that needs decoding wins over an identity one
 * when the body [body, end) looks encoded that way. */
static const char *
transfer_encoding(struct ctx *c, const struct fields *f,
    const struct mimehdr *cte, const char *body, const char *end)
{
	const char *e = cte->value, *n;
	size_t i;

	if (e[0] == '\0')
		return NULL;
	if (!is_identity(e) && !is_decoded(e)) {
		n = encoding_name(e);
		if (n != NULL)
			e = n;
	}
	if (!is_identity(e))
		return e;
	for (i = 0; i < f->n; i++) {
		const char *name = f->v[i].name;
		struct mimehdr h;

		/* 25 characters: most fields are over at once */
		if (strlen(name) != 25 ||
		    !same_name(name, "Content-Transfer-Encoding"))
			continue;
		mimehdr_parse(&h, c->a, f->v[i].value, f->v[i].len);
		n = encoding_name(h.value);
		if (n == NULL)
			n = h.value;
		if (is_decoded(n)) {
			const char *sniffed = sniff_encoding(body, end);

			return sniffed != NULL && strcmp(sniffed, n) == 0 ?
			    n : e;
		}
	}
	return e;
}

/* Decoded data that is no text: a NUL, or more than one control byte
 * in sixteen, in its first 512 bytes. */
static bool
looks_binary(const unsigned char *p, size_t len)
{
	size_t i, ctl = 0;

	if (len > 512)
		len = 512;
	for (i = 0; i < len; i++) {
		if (p[i] == 0)
			return true;
		if (p[i] < 32 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != '\f' && p[i] != 0x1b)
			ctl++;
	}
	return ctl * 16 > len;
}

/* An encoding nobody knows ("x-token", "none", "8bit base64"): the
 * body says which it is. Only base64 characters on every line (and a
 * line long enough): base64; "=XX" escapes or soft line breaks and no
 * other '=': quoted-printable; else none. One pass over the body. */
static const char *
sniff_encoding(const char *p, const char *end)
{
	size_t line = 0, longest = 0, esc = 0, nb64 = 0;
	bool b64 = true, qp = true;

	for (; p < end && (b64 || qp); p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '\n' || ch == '\r') {
			if (line > longest)
				longest = line;
			line = 0;
			continue;
		}
		line++;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
		    ch == '=')
			nb64++;
		else if ((ch != ' ' && ch != '\t') || (p + 1 < end &&
		    p[1] != ' ' && p[1] != '\t' && p[1] != '\r' &&
		    p[1] != '\n'))
			b64 = false;    /* blanks only at the end of a line */
		if (ch == '=') {
			bool hex = end - p >= 3 &&
			    isxdigit((unsigned char)p[1]) &&
			    isxdigit((unsigned char)p[2]);
			bool soft = end - p >= 2 && (p[1] == '\n' ||
			    p[1] == '\r');

			if (hex || soft)
				esc++;
			else
				qp = false;
		}
		if (ch >= 0x80)
			qp = false;
	}
	if (line > longest)
		longest = line;
	if (b64 && longest >= 16 && nb64 % 4 == 0)
		return "base64";
	if (qp && esc > 0)
		return "quoted-printable";
	return NULL;
}

static int
walk_child(struct ctx *c, struct walk *w, size_t parent, const char *ps,
    const char *pe, unsigned depth, bool digest)
{
	struct fields f;
	const char *body;
	int rc;

	rc = read_fields(c, &f, &body, ps, pe, false);
	if (rc != 0)
		return rc;
	return walk(c, w, &f, body, pe, parent, depth, digest);
}

/* Is the line [ls, le) a delimiter of boundary b? *closing_r: "--b--". */
static bool
is_delimiter(const char *ls, const char *le, const char *b, size_t blen,
    bool *closing_r)
{
	const char *r;

	if ((size_t)(le - ls) < blen + 2 || ls[0] != '-' || ls[1] != '-' ||
	    memcmp(ls + 2, b, blen) != 0)
		return false;
	r = ls + 2 + blen;
	*closing_r = le - r >= 2 && r[0] == '-' && r[1] == '-';
	if (*closing_r)
		r += 2;
	while (r < le && is_blank(*r))
		r++;
	return r == le;
}

/* Split [body, end) on boundary b and walk each part. *found_r: at least
 * one delimiter line was seen. */
static int
split_multipart(struct ctx *c, struct walk *w, size_t idx, const char *b,
    const char *body, const char *end, unsigned depth, bool digest,
    bool *found_r)
{
	const char *p = body, *ps = NULL, *le, *next;
	size_t blen = strlen(b);
	bool closing;
	int rc;

	*found_r = false;
	while (p < end) {
		next = line_next(c, p, end, &le);
		if (le - p >= 2 && p[0] == '-' && p[1] == '-' &&
		    is_delimiter(p, le, b, blen, &closing)) {
			if (ps != NULL) {
				rc = walk_child(c, w, idx, ps,
				    before_break(c, ps, p), depth + 1, digest);
				if (rc != 0)
					return rc;
			}
			*found_r = true;
			if (closing)
				return 0;
			ps = next;
		}
		p = next;
	}
	if (ps != NULL)
		return walk_child(c, w, idx, ps, end, depth + 1, digest);
	return 0;
}

static int
walk(struct ctx *c, struct walk *w, const struct fields *f,
    const char *body, const char *end, size_t parent, unsigned depth,
    bool digest)
{
	const struct field *fct = field_get(f, "Content-Type");
	const struct field *fcte = field_get(f, "Content-Transfer-Encoding");
	const struct field *fcd = field_get(f, "Content-Disposition");
	const struct field *fcid = field_get(f, "Content-ID");
	const struct mimehdr_param *bp, *cs;
	struct mimehdr ct, cte, cd;
	struct mail_part *part;
	const char *type, *fallback = w->fallback, *name;
	size_t idx;
	bool sniffed = false;
	int rc;

	if (depth > c->lim.max_depth)
		return gc_err_set(c->err, GC_ELIMIT,
		    "MIME nesting deeper than %zu levels", c->lim.max_depth);
	if (++c->nparts > c->lim.max_parts)
		return gc_err_set(c->err, GC_ELIMIT,
		    "more than %zu MIME parts", c->lim.max_parts);
	idx = push_part(w);
	if (idx != 0)
		link_child(w, parent, idx);

	mimehdr_parse(&ct, c->a, fct ? fct->value : "", fct ? fct->len : 0);
	mimehdr_parse(&cte, c->a, fcte ? fcte->value : "",
	    fcte ? fcte->len : 0);
	mimehdr_parse(&cd, c->a, fcd ? fcd->value : "", fcd ? fcd->len : 0);
	type = content_type(ct.value, digest);
	cs = mimehdr_param(&ct, "charset");
	if (cs != NULL && cs->value[0] != '\0' &&
	    !charset_is_unknown(cs->value))
		fallback = cs->value;

	part = &w->parts[idx];
	part->content_type = type;
	part->depth = depth - w->base;
	if (cs != NULL && cs->value[0] != '\0') {
		char *l = utf8_sanitize(c->a, cs->value, strlen(cs->value),
		    NULL);

		str_tolower(l);
		part->charset = utf8_strip_controls(l, false, false);
	}
	part->encoding = transfer_encoding(c, f, &cte, body, end);
	part->disposition = cd.value[0] != '\0' ? cd.value : NULL;
	name = mimehdr_param_text(&cd, "filename", c->a, fallback, NULL);
	if (name == NULL)
		name = mimehdr_param_text(&ct, "name", c->a, fallback, NULL);
	part->filename = base_name(name);
	if (fcid != NULL)
		part->content_id = squash(c, fcid->value, fcid->len, false);
	make_headers(c, &part->headers, &part->nheaders, f, fallback);
	/* A disposition that is not even a token ("=?utf-8?Q?x?=") says
	 * nothing; an unknown one means attachment (RFC 2183). */
	w->nodes[idx].attach_like = (part->disposition != NULL &&
	    is_token(part->disposition) &&
	    strcmp(part->disposition, "inline") != 0) ||
	    part->filename != NULL;

	if (starts(type, "multipart/")) {
		bool found = false;

		bp = mimehdr_param(&ct, "boundary");
		if (bp != NULL && bp->value[0] != '\0' &&
		    strlen(bp->value) <= BOUNDARY_MAX) {
			const struct mimehdr_param *st;

			st = mimehdr_param(&ct, "start");
			if (st != NULL)
				w->nodes[idx].start = squash(c, st->value,
				    strlen(st->value), false);
			rc = split_multipart(c, w, idx, bp->value, body, end,
			    depth, strcmp(type, "multipart/digest") == 0,
			    &found);
			if (rc != 0)
				return rc;
		}
		if (found)
			return 0;
		/* No usable boundary: the body is read as plain text. */
		part = &w->parts[idx];
		part->content_type = "text/plain";
	}

	part = &w->parts[idx];
	if (part->encoding != NULL && !is_identity(part->encoding) &&
	    !is_decoded(part->encoding)) {
		part->encoding = sniff_encoding(body, end);
		sniffed = part->encoding != NULL;
	}
	if (part->encoding != NULL && (strcmp(part->encoding, "base64") == 0 ||
	    strcmp(part->encoding, "quoted-printable") == 0 ||
	    strcmp(part->encoding, "x-uuencode") == 0 ||
	    strcmp(part->encoding, "uuencode") == 0 ||
	    strcmp(part->encoding, "x-uue") == 0)) {
		part->data = codec_decode(c->a, part->encoding, body,
		    (size_t)(end - body), &part->len);
		/* An encoding we guessed that gives no text ("x-gzip64"):
		 * the part is kept as data, not shown. */
		if (sniffed && starts(part->content_type, "text/") &&
		    looks_binary(part->data, part->len))
			part->content_type = "application/octet-stream";
	} else {
		/* Identity encodings point into our copy of the input. */
		part->data = (const unsigned char *)body;
		part->len = (size_t)(end - body);
	}
	if ((is_message_type(type) || is_first_fragment(type, &ct)) &&
	    part->len > 0) {
		struct mail *sub = arena_alloc(c->a, sizeof(*sub));
		const unsigned char *d = part->data;
		size_t dl = part->len;

		sub->pool = c->a;
		sub->nested = true;
		rc = parse_message(c, sub, (const char *)d, dl, depth + 1);
		if (rc == GC_ELIMIT)
			return rc;
		if (rc == 0)
			w->parts[idx].message = sub;
		gc_err_clear(c->err);
	}
	return 0;
}

/* ----- Body text and attachments ---------------------------------- */

enum kind { K_NONE = 0, K_HTML = 1, K_ENRICHED = 2, K_PLAIN = 3 };

/* Only blanks, line ends and NULs (or a byte order mark)? */
static bool
blank(const char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
		    p[i] != '\n' && p[i] != '\0')
			return false;
	return true;
}

static bool
is_enriched_type(const char *ct)
{
	return strcmp(ct, "text/enriched") == 0 ||
	    strcmp(ct, "text/richtext") == 0;
}

/* What a leaf with data gives as body text, by its type alone. */
static enum kind
type_kind(const char *ct)
{
	if (strcmp(ct, "text/plain") == 0)
		return K_PLAIN;
	if (strcmp(ct, "text/html") == 0)
		return K_HTML;
	if (is_enriched_type(ct))
		return K_ENRICHED;
	return K_NONE;
}

/* The kind of body text part i is, K_NONE when it is no body text: a
 * container, an attachment, another type, or only blanks (a blank
 * text/plain beside an HTML one must not hide it). */
static enum kind
leaf_kind(const struct walk *w, size_t i)
{
	const struct mail_part *p = &w->parts[i];
	enum kind k;

	if (p->data == NULL || w->nodes[i].attach_like)
		return K_NONE;
	k = type_kind(p->content_type);
	if (k == K_NONE || blank((const char *)p->data, p->len))
		return K_NONE;
	return k;
}

static enum kind best_kind(const struct walk *w, size_t i);

/* The root of a multipart/related: the part its "start" names, else the
 * first; when that one has no text (a picture first, as some MHTML
 * writers do), the first child that has. */
static size_t
related_root(const struct walk *w, size_t i)
{
	size_t k, root = w->nodes[i].first_child;

	if (w->nodes[i].start != NULL)
		for (k = w->nodes[i].first_child; k != NONE;
		    k = w->nodes[k].next)
			if (w->parts[k].content_id != NULL &&
			    strcmp(w->parts[k].content_id,
			    w->nodes[i].start) == 0) {
				root = k;
				break;
			}
	if (root == NONE || best_kind(w, root) != K_NONE)
		return root;
	for (k = w->nodes[i].first_child; k != NONE; k = w->nodes[k].next)
		if (best_kind(w, k) != K_NONE)
			return k;
	return root;
}

/* The best text a subtree can give. */
static enum kind
best_kind(const struct walk *w, size_t i)
{
	const char *ct = w->parts[i].content_type;
	enum kind best = K_NONE, k;
	size_t j;

	if (!starts(ct, "multipart/"))
		return leaf_kind(w, i);
	if (strcmp(ct, "multipart/related") == 0) {
		j = related_root(w, i);
		return j != NONE ? best_kind(w, j) : K_NONE;
	}
	for (j = w->nodes[i].first_child; j != NONE; j = w->nodes[j].next) {
		k = best_kind(w, j);
		if (k > best)
			best = k;
	}
	return best;
}

/* ----- Text or HTML: the one a reader would see -------------------- */

/* How much a text holds: its words, each non-ASCII character counting
 * as one more (CJK text has no blanks between words). unit_step() reads
 * one byte and says whether it starts a unit. */
static size_t
unit_step(unsigned char ch, bool *in_word)
{
	if (ch >= 0xc0) {
		*in_word = false;
		return 1;
	}
	if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\0') {
		*in_word = false;
		return 0;
	}
	if (ch < 0x80 && !*in_word) {
		*in_word = true;
		return 1;
	}
	return 0;
}

static size_t
text_units(const char *p, size_t len)
{
	size_t n = 0;
	bool in_word = false;

	for (size_t i = 0; i < len; i++)
		n += unit_step((unsigned char)p[i], &in_word);
	return n;
}

/* The leaf that gives a subtree's text of kind k: itself, or the root of
 * a multipart/related; NONE otherwise. */
static size_t
text_leaf(const struct walk *w, size_t i, enum kind k)
{
	if (strcmp(w->parts[i].content_type, "multipart/related") == 0)
		i = related_root(w, i);
	if (i == NONE || starts(w->parts[i].content_type, "multipart/"))
		return NONE;
	return leaf_kind(w, i) == k ? i : NONE;
}

/* Does the tag at p (just after '<') open an element whose content is
 * no text (style, script, head's title)? Returns the closing tag to look
 * for, or NULL. */
static const char *
hidden_element(const char *p, const char *end)
{
	static const char *const names[] = { "style", "script", "title" };
	static const char *const closing[] = {
		"</style", "</script", "</title",
	};
	size_t i, n;

	if (p >= end || (*p != 's' && *p != 'S' && *p != 't' && *p != 'T'))
		return NULL;            /* most tags: at once */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i]);
		if ((size_t)(end - p) > n && strncasecmp(p, names[i], n) == 0 &&
		    (p[n] == '>' || p[n] == ' ' || p[n] == '\t' ||
		    p[n] == '\n' || p[n] == '\r'))
			return closing[i];
	}
	return NULL;
}

/* Just after the next "<" that starts tag (ASCII case ignored) from p,
 * or end. */
static const char *
skip_to(const char *p, const char *end, const char *tag)
{
	size_t n = strlen(tag);

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= n && strncasecmp(p, tag, n) == 0)
			return p + 1;
		p++;
	}
	return end;
}

/* text_units() of the text an HTML document shows, estimated in one pass
 * without parsing it: tags, comments and the content of style, script
 * and title elements are skipped, an entity counts as a blank. */
static size_t
html_units(const char *p, size_t len)
{
	const char *end = p + len, *q, *close;
	size_t n = 0;
	bool in_word = false;

	while (p < end) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '<') {
			in_word = false;
			if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
				q = memmem(p + 4, (size_t)(end - p - 4), "-->",
				    3);
				p = q != NULL ? q + 3 : end;
				continue;
			}
			close = hidden_element(p + 1, end);
			if (close != NULL)
				p = skip_to(p + 1, end, close);
			q = memchr(p, '>', (size_t)(end - p));
			p = q != NULL ? q + 1 : end;
			continue;
		}
		if (ch == '&') {
			q = p + 1;
			while (q < end && q - p < 10 && *q != ';' && *q != '<')
				q++;
			p = q < end && *q == ';' ? q + 1 : p + 1;
			in_word = false;
			continue;
		}
		n += unit_step(ch, &in_word);   /* as text_units() */
		p++;
	}
	return n;
}

/* Is the HTML alternative (leaf h) much richer than the plain one (leaf
 * t)? Mailers and newsletter tools put a stub in the text/plain ("view
 * this mail in a browser"), or only the text they wrote, the forwarded
 * message being in the HTML alone. The HTML wins when it shows at least
 * twice the words of the plain text, and HTML_MIN_MORE more (counted on
 * the raw bytes, whatever their charset: a CJK character is a word). */
#define HTML_MIN_MORE 12

static bool
html_richer(const struct walk *w, size_t t, size_t h)
{
	const struct mail_part *pt = &w->parts[t], *ph = &w->parts[h];
	size_t plain, html;

	/* Cheap first: the HTML's bytes bound the words it shows. */
	plain = text_units((const char *)pt->data, pt->len);
	if (ph->len / 2 < 2 * plain || ph->len / 2 < plain + HTML_MIN_MORE)
		return false;
	html = html_units((const char *)ph->data, ph->len);
	return html >= 2 * plain && html >= plain + HTML_MIN_MORE;
}

/* Mark the parts that make the body text (depth-first). */
static void
select_body(struct walk *w, size_t i)
{
	const char *ct = w->parts[i].content_type;
	size_t j, pick = NONE;
	enum kind best = K_NONE, k;
	bool has_plain = false;

	if (!starts(ct, "multipart/")) {
		if (leaf_kind(w, i) != K_NONE)
			w->parts[i].is_body = true;
		return;
	}
	if (strcmp(ct, "multipart/alternative") == 0) {
		/* text/plain first, then enriched, else HTML; the first of
		 * the best. */
		for (j = w->nodes[i].first_child; j != NONE;
		    j = w->nodes[j].next) {
			k = best_kind(w, j);
			if (k > best) {
				best = k;
				pick = j;
			}
		}
		/* Only in the mail itself: the text of a message it carries
		 * (returned in a bounce, forwarded) is seldom read, and its
		 * HTML would be converted for nothing. */
		if (best == K_PLAIN && w->base == 0) {
			size_t t = text_leaf(w, pick, K_PLAIN), h = NONE;

			for (j = w->nodes[i].first_child; j != NONE;
			    j = w->nodes[j].next)
				if (text_leaf(w, j, K_HTML) != NONE)
					h = j;
			if (t != NONE && h != NONE &&
			    html_richer(w, t, text_leaf(w, h, K_HTML)))
				pick = h;
		}
		if (pick != NONE)
			select_body(w, pick);
		return;
	}
	if (strcmp(ct, "multipart/related") == 0) {
		j = related_root(w, i);
		if (j != NONE)
			select_body(w, j);
		return;
	}
	/* mixed, report, signed, digest, ...: every text child; an HTML or
	 * enriched child beside a plain one, or beside a multipart that
	 * gives the text, is no body (it is kept as an attachment). */
	for (j = w->nodes[i].first_child; j != NONE; j = w->nodes[j].next)
		if (leaf_kind(w, j) == K_PLAIN ||
		    (starts(w->parts[j].content_type, "multipart/") &&
		    best_kind(w, j) != K_NONE))
			has_plain = true;
	for (j = w->nodes[i].first_child; j != NONE; j = w->nodes[j].next) {
		k = leaf_kind(w, j);
		if (has_plain && (k == K_HTML || k == K_ENRICHED))
			continue;
		select_body(w, j);
	}
}

/* When the chosen parts gave no text: the first text/plain part that is
 * not marked as an attachment, even with a file name; else the first
 * other text/... part without a file name (text/x-whatever; not the
 * report types); else a later fragment of a split message
 * (message/partial), which is all we can show of it. Blank parts do not
 * count. Marks it as the body and returns true; false when there is
 * none. */
static bool
fallback_body(struct walk *w)
{
	size_t i, pick = NONE;
	int pass;

	for (pass = 0; pass < 3 && pick == NONE; pass++) {
		for (i = 0; i < w->n && pick == NONE; i++) {
			struct mail_part *p = &w->parts[i];
			const char *ct = p->content_type;

			if (p->data == NULL || p->message != NULL ||
			    blank((const char *)p->data, p->len))
				continue;
			if (p->disposition != NULL &&
			    strcmp(p->disposition, "inline") != 0 &&
			    is_token(p->disposition))
				continue;
			if (pass == 0 && strcmp(ct, "text/plain") == 0)
				pick = i;
			else if (pass == 1 && starts(ct, "text/") &&
			    !is_report_type(ct) && p->filename == NULL)
				pick = i;
			else if (pass == 2 &&
			    strcmp(ct, "message/partial") == 0)
				pick = i;
		}
	}
	if (pick == NONE)
		return false;
	for (i = 0; i < w->n; i++)
		w->parts[i].is_body = false;
	w->parts[pick].is_body = true;
	return true;
}

/* CRLF and CR become LF, controls other than LF and TAB go. */
static void
normalise_text(char *s)
{
	char *r = strchr(s, '\r'), *w = r;

	if (r == NULL) {
		utf8_strip_controls(s, true, true);
		return;
	}
	while (*r != '\0') {
		if (*r == '\r') {
			*w++ = '\n';
			r += r[1] == '\n' ? 2 : 1;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	utf8_strip_controls(s, true, true);
}

static int
text_limit(struct ctx *c)
{
	return gc_err_set(c->err, GC_ELIMIT, "text over %zu bytes",
	    c->lim.max_text_bytes);
}

/* mail.text from the parts marked is_body, in order. */
static int
build_text(struct ctx *c, struct mail *m, struct walk *w)
{
	struct buf text, tmp;
	const char *cs;
	size_t i;
	bool html;
	int rc = 0;

	m->text_charset = NULL;
	m->text_charset_unknown = false;
	m->text_from_html = false;
	buf_init(&text, c->lim.max_text_bytes);
	for (i = 0; i < w->n && rc == 0; i++) {
		struct mail_part *p = &w->parts[i];
		char *s;

		if (!p->is_body)
			continue;
		html = strcmp(p->content_type, "text/html") == 0;
		cs = p->charset;
		if (cs == NULL && html)
			cs = html_sniff_charset(c->a, (const char *)p->data,
			    p->len);
		if (m->text_charset == NULL && cs != NULL)
			m->text_charset = cs;
		buf_init(&tmp, c->lim.max_text_bytes);
		rc = charset_convert(&tmp, &m->text_charset_unknown, cs,
		    (const char *)p->data, p->len);
		s = (char *)buf_str(&tmp);
		if (rc == 0 && html) {
			rc = html_to_text(&s, c->a, buf_str(&tmp), tmp.len,
			    c->lim.max_text_bytes);
			m->text_from_html = true;
		} else if (rc == 0 && is_enriched_type(p->content_type)) {
			rc = enriched_to_text(&s, c->a, buf_str(&tmp),
			    tmp.len, strcmp(p->content_type,
			    "text/richtext") == 0, c->lim.max_text_bytes);
		}
		if (rc == 0 && s[0] != '\0') {
			normalise_text(s);
			if (text.len > 0 && text.data[text.len - 1] != '\n')
				rc = buf_addc(&text, '\n');
			if (rc == 0)
				rc = buf_addstr(&text, s);
		}
		buf_free(&tmp);
	}
	if (rc != 0) {
		buf_free(&text);
		return text_limit(c);
	}
	m->text = arena_strndup(c->a, buf_str(&text), text.len);
	buf_free(&text);
	return 0;
}

/* A header of a forwarded message for its introduction: "Name: value\n"
 * as display text, nothing when absent or empty. */
static int
intro_field(struct ctx *c, struct buf *b, const struct mail *sub,
    const char *name)
{
	const char *v = mail_header_get(sub, name);

	if (v == NULL || (v = display_text(c, v, strlen(v))) == NULL)
		return 0;
	return buf_printf(b, "%s: %s\n", name, v);
}

/* mail.text of a mail with no text of its own: the text of the messages
 * it carries (forwarded as attachments, a digest's messages), each after
 * a forward marker and its From, Date, Subject and To as a mail client
 * writes them when it forwards inline; the first fragment of a split
 * message as it is. */
static int
forwarded_text(struct ctx *c, struct mail *m, struct walk *w)
{
	struct buf text;
	size_t i;
	int rc = 0;

	buf_init(&text, c->lim.max_text_bytes);
	for (i = 0; i < w->n && rc == 0; i++) {
		const struct mail *sub = w->parts[i].message;
		const char *ct = w->parts[i].content_type;

		if (sub == NULL || sub->text[0] == '\0')
			continue;
		if (strcmp(ct, "message/rfc822") != 0 &&
		    strcmp(ct, "message/global") != 0 &&
		    strcmp(ct, "message/partial") != 0)
			continue;
		if (text.len > 0)
			rc = buf_addstr(&text, "\n");
		if (rc == 0 && strcmp(ct, "message/partial") != 0) {
			rc = buf_addstr(&text, FORWARD_MARKER "\n");
			if (rc == 0)
				rc = intro_field(c, &text, sub, "From");
			if (rc == 0)
				rc = intro_field(c, &text, sub, "Date");
			if (rc == 0 && sub->subject[0] != '\0')
				rc = buf_printf(&text, "Subject: %s\n",
				    sub->subject);
			if (rc == 0)
				rc = intro_field(c, &text, sub, "To");
			if (rc == 0)
				rc = buf_addc(&text, '\n');
		}
		if (rc == 0)
			rc = buf_addstr(&text, sub->text);
		if (rc == 0 && text.data[text.len - 1] != '\n')
			rc = buf_addc(&text, '\n');
		if (m->text_charset == NULL)
			m->text_charset = sub->text_charset;
		m->text_charset_unknown |= sub->text_charset_unknown;
		m->text_from_html |= sub->text_from_html;
	}
	if (rc != 0) {
		buf_free(&text);
		return text_limit(c);
	}
	if (text.len > 0)
		m->text = arena_strndup(c->a, buf_str(&text), text.len);
	buf_free(&text);
	return 0;
}

/* Is part i inside a multipart/alternative (one reading of the body,
 * not a part of its own)? */
static bool
in_alternative(const struct walk *w, size_t i)
{
	while (i != 0) {
		i = w->parts[i].parent;
		if (strcmp(w->parts[i].content_type,
		    "multipart/alternative") == 0)
			return true;
	}
	return false;
}

/* Every part with content is kept, except the body and its
 * alternatives and the machine-readable parts of reports: detached
 * signatures too, and a text part that is not the body (an HTML page
 * beside the text of a multipart/mixed). */
static bool
is_attachment(const struct walk *w, size_t i)
{
	const struct mail_part *p = &w->parts[i];

	if (p->data == NULL || p->is_body)
		return false;
	if (is_report_type(p->content_type) &&
	    !w->nodes[i].attach_like)
		return false;
	if (type_kind(p->content_type) != K_NONE &&
	    !w->nodes[i].attach_like)
		return !blank((const char *)p->data, p->len) &&
		    !in_alternative(w, i);
	return p->len > 0 || p->filename != NULL;
}

struct type_name {
	const char *type;
	const char *name;       /* NULL: "part-N" and the extension */
	const char *ext;
};

static const struct type_name type_names[] = {
	{ "application/pgp-signature", "signature", "asc" },
	{ "application/pkcs7-signature", "smime", "p7s" },
	{ "application/x-pkcs7-signature", "smime", "p7s" },
	{ "application/pgp-encrypted", "pgp-encrypted", "asc" },
	{ "application/pgp-keys", "key", "asc" },
	{ "application/pdf", "document", "pdf" },
	{ "application/zip", "archive", "zip" },
	{ "application/x-zip-compressed", "archive", "zip" },
	{ "application/gzip", "archive", "gz" },
	{ "application/msword", "document", "doc" },
	{ "application/vnd.ms-excel", "spreadsheet", "xls" },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml."
	    "document", "document", "docx" },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    "spreadsheet", "xlsx" },
	{ "application/ics", "invite", "ics" },
	{ "application/json", NULL, "json" },
	{ "application/xml", NULL, "xml" },
	{ "text/calendar", "invite", "ics" },
	{ "text/vcard", "contact", "vcf" },
	{ "text/x-vcard", "contact", "vcf" },
	{ "text/csv", "table", "csv" },
	{ "text/plain", NULL, "txt" },
	{ "text/html", NULL, "html" },
	{ "text/enriched", NULL, "txt" },
	{ "text/richtext", NULL, "txt" },
	{ "message/rfc822", "message", "eml" },
	{ "message/global", "message", "eml" },
	{ "message/delivery-status", "delivery-status", "txt" },
	{ "image/jpeg", "image", "jpg" },
	{ "image/pjpeg", "image", "jpg" },
	{ "image/svg+xml", "image", "svg" },
	{ "video/quicktime", "video", "mov" },
	{ "video/x-msvideo", "video", "avi" },
	{ "audio/mpeg", "audio", "mp3" },
	{ "audio/x-wav", "audio", "wav" },
};

/* A name for a part that has none, from its type: "image.png",
 * "video.mov", "signature.asc", "part-3.html", "part-3.bin". */
static const char *
name_from_type(struct ctx *c, const char *ct, size_t part)
{
	const char *slash = strchr(ct, '/'), *sub, *q;
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(ct, type_names[i].type) == 0) {
			if (type_names[i].name != NULL)
				return arena_printf(c->a, "%s.%s",
				    type_names[i].name, type_names[i].ext);
			return arena_printf(c->a, "part-%zu.%s", part,
			    type_names[i].ext);
		}
	/* image/png -> image.png: a short alphanumeric subtype is the
	 * usual extension of images, sound and video. */
	sub = slash != NULL ? slash + 1 : "";
	for (q = sub; *q != '\0' && ((*q >= 'a' && *q <= 'z') ||
	    (*q >= '0' && *q <= '9')); q++)
		;
	if (*q == '\0' && q > sub && q - sub <= 5 &&
	    (starts(ct, "image/") || starts(ct, "video/") ||
	    starts(ct, "audio/")))
		return arena_printf(c->a, "%.*s.%s", (int)(slash - ct), ct,
		    sub);
	return arena_printf(c->a, "part-%zu.bin", part);
}

#define FILENAME_MAX_BYTES 255

/* Is name taken by one of the first n attachments (ASCII case
 * ignored, as file systems and mail clients do)? */
static bool
name_taken(const struct mail_attachment *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_casecmp(v[i].filename, name) == 0)
			return true;
	return false;
}

/* The name of attachment n, unique among the first n: "name (2).ext",
 * "name (3).ext"... when taken (k counts the earlier attachments of the
 * same given name, orig[]). A few tries only, then the part's index:
 * hostile names cannot make this quadratic in the tries. */
static const char *
unique_name(struct ctx *c, const struct mail_attachment *v,
    const char *const *orig, size_t n, const char *name, size_t part)
{
	const char *dot = strrchr(name, '.'), *s;
	size_t stem, k = 1, i, tries;

	if (!name_taken(v, n, name))
		return name;
	for (i = 0; i < n; i++)
		if (str_casecmp(orig[i], name) == 0)
			k++;
	if (dot == NULL || dot == name)
		dot = name + strlen(name);
	stem = (size_t)(dot - name);
	for (tries = 0; tries < 8; tries++, k++) {
		s = arena_printf(c->a, "%.*s (%zu)%s", (int)stem, name,
		    k < 2 ? 2 : k, dot);
		if (!name_taken(v, n, s))
			return s;
	}
	return arena_printf(c->a, "%.*s (part %zu)%s", (int)stem, name, part,
	    dot);
}

static void
build_attachments(struct ctx *c, struct mail *m, struct walk *w)
{
	struct mail_attachment *v;
	const char **orig;
	size_t i, n = 0;

	for (i = 0; i < w->n; i++)
		if (is_attachment(w, i))
			n++;
	v = arena_alloc(c->a, (n + 1) * sizeof(*v));
	orig = xmalloc((n + 1) * sizeof(*orig));
	n = 0;
	for (i = 0; i < w->n; i++) {
		struct mail_part *p = &w->parts[i];
		struct mail_attachment *at;
		char *name;

		if (!is_attachment(w, i))
			continue;
		p->is_attachment = true;
		at = &v[n];
		name = arena_strdup(c->a, p->filename != NULL ? p->filename :
		    name_from_type(c, p->content_type, i));
		utf8_truncate(name, FILENAME_MAX_BYTES);
		at->filename = unique_name(c, v, orig, n, name, i);
		orig[n++] = name;
		at->content_type = p->content_type;
		if (p->disposition == NULL)
			at->disposition = NULL;
		else if (strcmp(p->disposition, "inline") == 0)
			at->disposition = "inline";
		else
			at->disposition = "attachment";
		at->content_id = p->content_id;
		at->data = p->data;
		at->len = p->len;
		at->message = p->message;
		at->part = i;
	}
	free(orig);
	m->attachments = v;
	m->nattachments = n;
}

static int
finish(struct ctx *c, struct mail *m, struct walk *w)
{
	int rc;

	select_body(w, 0);
	rc = build_text(c, m, w);
	if (rc == 0 && m->text[0] == '\0' && fallback_body(w))
		rc = build_text(c, m, w);
	if (rc == 0 && m->text[0] == '\0')
		rc = forwarded_text(c, m, w);
	if (rc != 0)
		return rc;
	m->new_text = quote_strip(c->a, m->text);
	build_attachments(c, m, w);
	m->parts = arena_memdup(c->a, w->parts, w->n * sizeof(*w->parts));
	m->nparts = w->n;
	return 0;
}

static char
eol_of(const char *p, size_t len)
{
	if (memchr(p, '\n', len) != NULL)
		return '\n';
	return memchr(p, '\r', len) != NULL ? '\r' : '\n';
}

static int
parse_message(struct ctx *c, struct mail *m, const char *p, size_t len,
    unsigned depth)
{
	struct walk w;
	struct fields f;
	const char *body;
	char saved_eol = c->eol;
	int rc;

	memset(&w, 0, sizeof(w));
	c->eol = eol_of(p, len);
	rc = read_fields(c, &f, &body, p, p + len, true);
	if (rc == 0 && f.n == 0 && blank(p, len))
		rc = gc_err_set(c->err, GC_EPARSE, "nothing but blanks");
	if (rc == 0) {
		m->header_bytes = (size_t)(body - p);
		w.fallback = header_charset(c, &f);
		w.base = depth;
		make_headers(c, &m->headers, &m->nheaders, &f, w.fallback);
		read_envelope(c, m);
		rc = walk(c, &w, &f, body, p + len, 0, depth, false);
	}
	if (rc == 0)
		rc = finish(c, m, &w);
	free(w.parts);
	free(w.nodes);
	c->eol = saved_eol;
	return rc;
}

/* ----- Public API ------------------------------------------------- */

struct mail_limits
mail_limits_default(void)
{
	struct mail_limits l;

	l.max_mail_bytes = MAIL_DEFAULT_MAX_MAIL_BYTES;
	l.max_header_bytes = MAIL_DEFAULT_MAX_HEADER_BYTES;
	l.max_depth = MAIL_DEFAULT_MAX_DEPTH;
	l.max_parts = MAIL_DEFAULT_MAX_PARTS;
	l.max_text_bytes = MAIL_DEFAULT_MAX_TEXT_BYTES;
	return l;
}

int
mail_parse(struct mail **out, const char *raw, size_t len,
    const struct mail_limits *lim, struct gc_err *err)
{
	struct mail_limits def = mail_limits_default();
	struct arena *a;
	struct mail *m;
	struct ctx c;
	char *copy;
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.lim = def;
	if (lim != NULL) {
		if (lim->max_mail_bytes)
			c.lim.max_mail_bytes = lim->max_mail_bytes;
		if (lim->max_header_bytes)
			c.lim.max_header_bytes = lim->max_header_bytes;
		if (lim->max_depth)
			c.lim.max_depth = lim->max_depth;
		if (lim->max_parts)
			c.lim.max_parts = lim->max_parts;
		if (lim->max_text_bytes)
			c.lim.max_text_bytes = lim->max_text_bytes;
	}
	if (c.lim.max_depth > MAIL_DEPTH_HARD_MAX)
		c.lim.max_depth = MAIL_DEPTH_HARD_MAX;
	if (len > c.lim.max_mail_bytes)
		return gc_err_set(err, GC_ELIMIT, "mail over %zu bytes",
		    c.lim.max_mail_bytes);
	if (raw == NULL || len == 0)
		return gc_err_set(err, GC_EPARSE, "empty mail");

	a = xmalloc(sizeof(*a));
	arena_init(a, ARENA_CHUNK);
	c.a = a;
	c.err = err;
	m = arena_alloc(a, sizeof(*m));
	m->pool = a;
	copy = arena_memdup(a, raw, len);
	rc = parse_message(&c, m, copy, len, 0);
	if (rc != 0) {
		arena_free(a);
		free(a);
		return rc;
	}
	*out = m;
	return 0;
}

const char *
mail_header_get(const struct mail *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (same_name(m->headers[i].name, name))
			return m->headers[i].value;
	return NULL;
}

const char *
mail_header_text(struct mail *m, const char *name)
{
	const char *v = mail_header_get(m, name);
	char *s;

	if (v == NULL)
		return NULL;
	s = rfc2047_decode(m->pool, v, strlen(v), NULL, NULL);
	utf8_strip_controls(s, false, false);
	return utf8_squeeze_spaces(s);
}

struct arena *
mail_arena(struct mail *m)
{
	return m->pool;
}

void
mail_free(struct mail **mp)
{
	struct arena *a;

	if (mp == NULL || *mp == NULL)
		return;
	if ((*mp)->nested) {
		*mp = NULL;
		return;
	}
	a = (*mp)->pool;
	arena_free(a);
	free(a);
	*mp = NULL;
}
