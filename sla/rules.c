/*
 * rules.c - qualification rules: parsing, compiling, evaluating (see
 * rules.h; the file syntax is documented in conf/defaults/rules.conf)
 *
 * Parsing works on logical lines: a physical line that starts with a
 * blank continues the key line before it (its leading blanks dropped,
 * nothing inserted), so that long patterns can be folded; comment lines
 * ('#' as first non-blank) are skipped even inside a folded value; a
 * blank line ends it. Every problem is reported with the line where its
 * logical line starts, and parsing goes on to find the others.
 *
 * Invariants: a loaded rule has at least one match condition and sets at
 * least one of priority, queue, tags, hold; each condition names at least one
 * field and owns one compiled pattern. The match context (limits) is
 * shared read-only by every rules_eval() call; each call creates its own
 * match data, so a const struct rules is safe to share.
 */
#include "sla/rules.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

enum {
	F_SUBJECT = 1 << 0,
	F_TEXT = 1 << 1,
	F_FROM = 1 << 2,
	F_TO = 1 << 3,
	F_CC = 1 << 4,
};

static const struct {
	const char *name;
	unsigned bits;
} field_names[] = {
	{ "subject", F_SUBJECT },
	{ "text", F_TEXT },
	{ "body", F_TEXT },
	{ "from", F_FROM },
	{ "sender", F_FROM },
	{ "to", F_TO },
	{ "cc", F_CC },
	{ "recipients", F_TO | F_CC },
};

/* rules_set_jit(): set once at start, before any rules_load() */
static bool jit_wanted = true;

struct cond {
	unsigned fields;        /* F_* */
	char **headers;         /* header names, in the arena */
	size_t nheaders;
	pcre2_code *re;
	bool jit;
	bool negate;            /* an unless line */
	int line;
};

struct rule {
	char *name;
	int line;
	struct cond *conds;
	size_t nconds;
	char *priority;
	int priority_line;
	char *queue;
	int queue_line;
	char *hold;             /* why a mail it matches is held */
	int hold_line;
	char **tags;
	size_t ntags;
	bool bad;               /* a line of it was reported */
};

struct rules {
	char *file;
	struct rule *v;
	size_t n;
	struct arena arena;     /* every string and array but v, conds */
	pcre2_match_context *mctx;
	bool jit;               /* every pattern JIT-compiled */
};

/* Parsing state. */
struct parser {
	struct rules *r;
	pcre2_compile_context *cctx;
	struct conf_diag *diag;
	struct rule *cur;       /* the rule being read, or NULL */
	bool in_bad_section;    /* skip keys until the next section */
};

/* ----- Small helpers ----------------------------------------------- */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_token(const char *s, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > RULES_MAX_NAME)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(extra, c) != NULL))
			return false;
	}
	return true;
}

/* Header names: printable ASCII but ':' (RFC 5322 ftext). */
static bool
is_header_char(char c)
{
	return c > 32 && c < 127 && c != ':' && c != ',';
}

/* ----- Parsing ----------------------------------------------------- */

static void
report(struct parser *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
report(struct parser *ps, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->cur != NULL) {
		conf_diag_add(ps->diag, ps->r->file, line, "rule %s: %s",
		    ps->cur->name, msg);
		ps->cur->bad = true;
	} else
		conf_diag_add(ps->diag, ps->r->file, line, "%s", msg);
}

static void
section(struct parser *ps, char *s, int line)
{
	struct rules *r = ps->r;
	size_t n = strlen(s);
	char *name;

	ps->cur = NULL;
	ps->in_bad_section = true;
	if (n < 2 || s[n - 1] != ']') {
		report(ps, line, "expected [rule NAME]");
		return;
	}
	s[n - 1] = '\0';
	s = str_trim(s + 1);
	if (strncmp(s, "rule", 4) != 0 || !is_blank(s[4])) {
		report(ps, line, "unknown section [%s] (expected [rule NAME])",
		    s);
		return;
	}
	name = str_trim(s + 5);
	if (!is_token(name, "_.-")) {
		report(ps, line, "bad rule name \"%s\" (letters, digits, "
		    "- _ . up to %d bytes)", name, RULES_MAX_NAME);
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0) {
			report(ps, line, "rule %s: already defined at line %d",
			    name, r->v[i].line);
			return;
		}
	if (r->n == RULES_MAX_RULES) {
		report(ps, line, "more than %d rules", RULES_MAX_RULES);
		return;
	}
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	ps->cur = &r->v[r->n++];
	memset(ps->cur, 0, sizeof(*ps->cur));
	ps->cur->name = arena_strdup(&r->arena, name);
	ps->cur->line = line;
	ps->in_bad_section = false;
}

/* Parse "FIELD[, FIELD...]: PATTERN" into c (fields and headers) and
 * return the pattern, or NULL with why filled in. */
static const char *
parse_fields(struct cond *c, struct arena *a, const char *v, char *why,
    size_t whylen)
{
	const char *p = v;
	char *hdr[RULES_MAX_HEADERS];

	c->nheaders = 0;
	for (;;) {
		size_t n;

		while (is_blank(*p))
			p++;
		if (str_ncasecmp(p, "header:", 7) == 0) {
			p += 7;
			n = 0;
			while (is_header_char(p[n]))
				n++;
			if (n == 0) {
				snprintf(why, whylen, "header: needs a header "
				    "name (header:X-Priority)");
				return NULL;
			}
			if (c->nheaders == RULES_MAX_HEADERS) {
				snprintf(why, whylen, "more than %d headers",
				    RULES_MAX_HEADERS);
				return NULL;
			}
			hdr[c->nheaders++] = arena_strndup(a, p, n);
			p += n;
		} else {
			size_t i;

			n = 0;
			while ((p[n] >= 'a' && p[n] <= 'z') ||
			    (p[n] >= 'A' && p[n] <= 'Z'))
				n++;
			for (i = 0; i < sizeof(field_names) /
			    sizeof(field_names[0]); i++)
				if (strlen(field_names[i].name) == n &&
				    str_ncasecmp(p, field_names[i].name,
				    n) == 0)
					break;
			if (n == 0 || i == sizeof(field_names) /
			    sizeof(field_names[0])) {
				snprintf(why, whylen, "unknown field \"%.*s\" "
				    "(subject, text, from, to, cc, recipients, "
				    "header:NAME, then ':' and the pattern)",
				    (int)(n ? n : strcspn(p, ",: \t")), p);
				return NULL;
			}
			c->fields |= field_names[i].bits;
			p += n;
		}
		while (is_blank(*p))
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ':')
			break;
		snprintf(why, whylen, "expected ',' or ':' after the fields");
		return NULL;
	}
	p++;
	while (is_blank(*p))
		p++;
	if (*p == '\0') {
		snprintf(why, whylen, "empty pattern");
		return NULL;
	}
	if (c->nheaders > 0) {
		c->headers = arena_alloc(a, c->nheaders * sizeof(char *));
		memcpy(c->headers, hdr, c->nheaders * sizeof(char *));
	}
	return p;
}

static void
add_cond(struct parser *ps, const char *key, const char *v, int line)
{
	struct rule *ru = ps->cur;
	struct cond c;
	char why[256];
	const char *pat;
	int code;
	PCRE2_SIZE off;
	uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF |
	    PCRE2_NEVER_BACKSLASH_C;

	memset(&c, 0, sizeof(c));
	c.negate = strcmp(key, "unless") == 0;
	c.line = line;
	pat = parse_fields(&c, &ps->r->arena, v, why, sizeof(why));
	if (pat == NULL) {
		report(ps, line, "%s: %s", key, why);
		return;
	}
	if (ru->nconds == RULES_MAX_CONDS) {
		report(ps, line, "more than %d match and unless lines",
		    RULES_MAX_CONDS);
		return;
	}
	c.re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts,
	    &code, &off, ps->cctx);
	if (c.re == NULL) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		report(ps, line, "%s: bad pattern: %s at offset %zu", key,
		    (char *)msg, (size_t)off);
		return;
	}
	c.jit = jit_wanted && pcre2_jit_compile(c.re, PCRE2_JIT_COMPLETE) == 0;
	ru->conds = xrealloc(ru->conds, (ru->nconds + 1) * sizeof(c));
	ru->conds[ru->nconds++] = c;
}

static void
set_tags(struct parser *ps, const char *v, int line)
{
	struct rule *ru = ps->cur;
	char *copy = xstrdup(v), *save = NULL;
	char *tags[RULES_MAX_TAGS];
	size_t n = 0;

	for (char *t = strtok_r(copy, ", \t", &save); t != NULL;
	    t = strtok_r(NULL, ", \t", &save)) {
		if (!is_token(t, "_.:-/")) {
			report(ps, line, "tags: bad tag \"%s\" (letters, "
			    "digits, - _ . : / up to %d bytes)", t,
			    RULES_MAX_NAME);
			free(copy);
			return;
		}
		if (n == RULES_MAX_TAGS) {
			report(ps, line, "tags: more than %d tags",
			    RULES_MAX_TAGS);
			free(copy);
			return;
		}
		tags[n++] = arena_strdup(&ps->r->arena, t);
	}
	free(copy);
	if (n == 0) {
		report(ps, line, "tags: empty value");
		return;
	}
	ru->tags = arena_alloc(&ps->r->arena, n * sizeof(char *));
	memcpy(ru->tags, tags, n * sizeof(char *));
	ru->ntags = n;
}

static void
key_line(struct parser *ps, char *s, int line)
{
	struct rule *ru = ps->cur;
	char *eq = strchr(s, '=');
	char *key, *v;

	if (ps->in_bad_section)
		return;
	if (ru == NULL) {
		report(ps, line, "key outside a [rule NAME] section");
		ps->in_bad_section = true;
		return;
	}
	if (eq == NULL) {
		report(ps, line, "expected key = value");
		return;
	}
	*eq = '\0';
	key = str_trim(s);
	v = str_trim(eq + 1);
	if (strcmp(key, "match") == 0 || strcmp(key, "unless") == 0) {
		add_cond(ps, key, v, line);
	} else if (strcmp(key, "priority") == 0 ||
	    strcmp(key, "queue") == 0 || strcmp(key, "hold") == 0) {
		char **slot = key[0] == 'p' ? &ru->priority : key[0] == 'q' ?
		    &ru->queue : &ru->hold;
		int *lslot = key[0] == 'p' ? &ru->priority_line :
		    key[0] == 'q' ? &ru->queue_line : &ru->hold_line;

		if (*slot != NULL)
			report(ps, line, "%s: already set at line %d", key,
			    *lslot);
		else if (!is_token(v, "_.-"))
			report(ps, line, "%s: bad value \"%s\" (letters, "
			    "digits, - _ . up to %d bytes)", key, v,
			    RULES_MAX_NAME);
		else {
			*slot = arena_strdup(&ps->r->arena, v);
			*lslot = line;
		}
	} else if (strcmp(key, "tags") == 0) {
		if (ru->ntags > 0)
			report(ps, line, "tags: set twice (list them on one "
			    "line)");
		else
			set_tags(ps, v, line);
	} else {
		report(ps, line, "unknown key \"%s\" (match, unless, "
		    "priority, queue, tags, hold)", key);
	}
}

static void
end_rule(struct parser *ps)
{
	struct rule *ru = ps->cur;
	bool any = false;

	/* A rule with a bad line is already reported: what it lacks may
	 * only be what was bad. */
	if (ru == NULL || ru->bad) {
		ps->cur = NULL;
		return;
	}
	for (size_t i = 0; i < ru->nconds; i++)
		any = any || !ru->conds[i].negate;
	if (!any)
		report(ps, ru->line, "no match line (a rule needs at least "
		    "one \"match = FIELDS: PATTERN\")");
	if (ru->priority == NULL && ru->queue == NULL && ru->ntags == 0 &&
	    ru->hold == NULL)
		report(ps, ru->line, "sets neither priority, queue, tags nor "
		    "hold");
	ps->cur = NULL;
}

/* One logical line, NUL-terminated and writable. */
static void
logical_line(struct parser *ps, char *s, int line)
{
	s = str_trim(s);
	if (*s == '\0')
		return;
	if (*s == '[') {
		end_rule(ps);
		section(ps, s, line);
		return;
	}
	key_line(ps, s, line);
}

static void
parse(struct parser *ps, const char *text, size_t len)
{
	struct buf lb = BUF_INIT(RULES_MAX_LINE);
	int lb_line = 0, lineno = 0;
	bool too_long = false;
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		const char *s = text + i, *t;

		i += n + (nl != NULL);
		lineno++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		t = s;
		while (t < s + n && is_blank(*t))
			t++;
		if (t < s + n && *t == '#')
			continue;
		if (t == s + n || t == s) {
			/* blank line, or a new logical line */
			if (lb_line > 0) {
				if (too_long)
					report(ps, lb_line, "line longer "
					    "than %d bytes", RULES_MAX_LINE);
				else
					logical_line(ps, lb.data, lb_line);
			}
			buf_reset(&lb);
			lb_line = 0;
			too_long = false;
			if (t == s + n)
				continue;
			lb_line = lineno;
		} else if (lb_line == 0) {
			report(ps, lineno, "indented line continues nothing "
			    "(continuation lines follow a key line)");
			continue;
		}
		if (buf_add(&lb, t, (size_t)(s + n - t)) != 0)
			too_long = true;
	}
	if (lb_line > 0) {
		if (too_long)
			report(ps, lb_line, "line longer than %d bytes",
			    RULES_MAX_LINE);
		else
			logical_line(ps, lb.data, lb_line);
	}
	end_rule(ps);
	buf_free(&lb);
}

int
rules_load(struct rules **out, const char *name, const char *text,
    size_t len, struct conf_diag *diag)
{
	struct rules *r = xcalloc(1, sizeof(*r));
	struct parser ps = { r, NULL, diag, NULL, false };
	size_t before = diag->n;

	*out = NULL;
	arena_init(&r->arena, 16384);
	r->file = xstrdup(name != NULL ? name : "rules");
	if (len > RULES_MAX_FILE)
		conf_diag_add(diag, r->file, 0, "larger than %d bytes",
		    RULES_MAX_FILE);
	else if (memchr(text, '\0', len) != NULL)
		conf_diag_add(diag, r->file, 0, "the file contains a NUL byte");
	else {
		ps.cctx = pcre2_compile_context_create(NULL);
		if (ps.cctx == NULL)
			fatal("out of memory (pcre2 compile context)");
		pcre2_set_newline(ps.cctx, PCRE2_NEWLINE_ANYCRLF);
		pcre2_set_max_pattern_length(ps.cctx, RULES_MAX_LINE);
		parse(&ps, text, len);
		pcre2_compile_context_free(ps.cctx);
	}
	if (diag->n > before) {
		rules_free(&r);
		return GC_ECONFIG;
	}
	r->mctx = pcre2_match_context_create(NULL);
	if (r->mctx == NULL)
		fatal("out of memory (pcre2 match context)");
	pcre2_set_match_limit(r->mctx, RULES_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, RULES_DEPTH_LIMIT);
	pcre2_set_heap_limit(r->mctx, RULES_HEAP_LIMIT);
	r->jit = r->n > 0;
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < r->v[i].nconds; j++)
			r->jit = r->jit && r->v[i].conds[j].jit;
	*out = r;
	return 0;
}

void
rules_free(struct rules **rp)
{
	struct rules *r = *rp;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->v[i].nconds; j++)
			pcre2_code_free(r->v[i].conds[j].re);
		free(r->v[i].conds);
	}
	free(r->v);
	pcre2_match_context_free(r->mctx);
	arena_free(&r->arena);
	free(r->file);
	free(r);
	*rp = NULL;
}

/* ----- Evaluation -------------------------------------------------- */

enum { M_NO = 0, M_YES = 1, M_LIMIT = -1 };

/* Match one subject string: M_YES, M_NO or M_LIMIT. */
static int
match_str(const struct rules *r, const struct cond *c, const char *s,
    pcre2_match_data *md)
{
	size_t len;
	int rc;

	if (s == NULL)
		return M_NO;
	len = strnlen(s, RULES_MAX_INPUT);
	/* Cut at a character boundary: back off continuation bytes. */
	if (len == RULES_MAX_INPUT)
		for (int k = 0; k < 3 && len > 0 &&
		    ((unsigned char)s[len] & 0xC0) == 0x80; k++)
			len--;
	rc = pcre2_match(c->re, (PCRE2_SPTR)s, len, 0, 0, md, r->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(c->re, (PCRE2_SPTR)s, len, 0, PCRE2_NO_JIT,
		    md, r->mctx);
	if (rc >= 0)
		return M_YES;
	if (rc == PCRE2_ERROR_NOMATCH)
		return M_NO;
	return M_LIMIT;      /* match, depth, heap limit, or worse */
}

static int
merge(int acc, int m)
{
	if (acc == M_YES || m == M_YES)
		return M_YES;
	return acc == M_LIMIT || m == M_LIMIT ? M_LIMIT : M_NO;
}

/* Does any of the condition's fields match? */
static int
cond_eval(const struct rules *r, const struct cond *c,
    const struct rules_input *in, pcre2_match_data *md)
{
	int acc = M_NO;

	if (c->fields & F_SUBJECT)
		acc = merge(acc, match_str(r, c, in->subject, md));
	if (acc != M_YES && (c->fields & F_TEXT))
		acc = merge(acc, match_str(r, c, in->text, md));
	if (acc != M_YES && (c->fields & F_FROM))
		acc = merge(acc, match_str(r, c, in->from, md));
	for (size_t i = 0; acc != M_YES && (c->fields & F_TO) &&
	    in->to != NULL && i < in->nto; i++)
		acc = merge(acc, match_str(r, c, in->to[i], md));
	for (size_t i = 0; acc != M_YES && (c->fields & F_CC) &&
	    in->cc != NULL && i < in->ncc; i++)
		acc = merge(acc, match_str(r, c, in->cc[i], md));
	for (size_t h = 0; acc != M_YES && h < c->nheaders; h++)
		for (size_t i = 0; acc != M_YES && in->headers != NULL &&
		    i < in->nheaders; i++)
			if (in->headers[i].name != NULL &&
			    str_casecmp(in->headers[i].name,
			    c->headers[h]) == 0)
				acc = merge(acc, match_str(r, c,
				    in->headers[i].value, md));
	return acc;
}

static void
note_limit(struct rules_result *out, const struct rules *r,
    const struct rule *ru, const struct cond *c)
{
	if (out->nlimited++ == 0) {
		out->limited_by.rule = ru->name;
		out->limited_by.file = r->file;
		out->limited_by.line = c->line;
	}
}

/* Every match line matches and no unless line does (a limit counts as
 * no match either way). */
static bool
rule_matches(struct rules_result *out, const struct rules *r,
    const struct rule *ru, const struct rules_input *in,
    pcre2_match_data *md)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ru->nconds; i++) {
			const struct cond *c = &ru->conds[i];
			int m;

			if (c->negate != (pass == 1))
				continue;
			m = cond_eval(r, c, in, md);
			if (m == M_LIMIT)
				note_limit(out, r, ru, c);
			if (!c->negate && m != M_YES)
				return false;
			if (c->negate && m == M_YES)
				return false;
		}
	return true;
}

static void
add_tag(struct rules_result *out, const char *tag)
{
	for (size_t i = 0; i < out->ntags; i++)
		if (str_casecmp(out->tags[i], tag) == 0)
			return;
	if (out->ntags < RULES_MAX_TAGS)
		out->tags[out->ntags++] = tag;
}

int
rules_eval(struct rules_result *out, const struct rules *r,
    const struct rules_input *in)
{
	pcre2_match_data *md;

	if (out == NULL)
		return GC_EINVAL;
	memset(out, 0, sizeof(*out));
	if (in == NULL)
		return GC_EINVAL;
	if (r == NULL || r->n == 0)
		return 0;
	md = pcre2_match_data_create(1, NULL);
	if (md == NULL)
		fatal("out of memory (pcre2 match data)");
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		struct rules_hit hit = { ru->name, r->file, ru->line };

		if (!rule_matches(out, r, ru, in, md))
			continue;
		if (out->nmatched < RULES_MAX_MATCHED)
			out->matched[out->nmatched] = hit;
		out->nmatched++;
		if (out->priority == NULL && ru->priority != NULL) {
			out->priority = ru->priority;
			out->priority_by = hit;
		}
		if (out->queue == NULL && ru->queue != NULL) {
			out->queue = ru->queue;
			out->queue_by = hit;
		}
		if (out->hold == NULL && ru->hold != NULL) {
			out->hold = ru->hold;
			out->hold_by = hit;
		}
		for (size_t t = 0; t < ru->ntags; t++)
			add_tag(out, ru->tags[t]);
	}
	pcre2_match_data_free(md);
	return 0;
}

/* ----- Reading ----------------------------------------------------- */

const char *
rules_file(const struct rules *r)
{
	return r->file;
}

size_t
rules_count(const struct rules *r)
{
	return r != NULL ? r->n : 0;
}

int
rules_get(struct rules_info *out, const struct rules *r, size_t i)
{
	const struct rule *ru;

	if (r == NULL || i >= r->n)
		return GC_ENOTFOUND;
	ru = &r->v[i];
	out->name = ru->name;
	out->file = r->file;
	out->line = ru->line;
	out->priority = ru->priority;
	out->priority_line = ru->priority_line;
	out->queue = ru->queue;
	out->queue_line = ru->queue_line;
	out->hold = ru->hold;
	out->hold_line = ru->hold_line;
	out->ntags = ru->ntags;
	return 0;
}

void
rules_set_jit(bool on)
{
	jit_wanted = on;
}

bool
rules_jit(const struct rules *r)
{
	return r != NULL && r->jit;
}

/* ----- Fuzzing ----------------------------------------------------- */

int
rules_fuzz_one(const uint8_t *data, size_t len)
{
	static const char *const to[] = { "support@example.com" };
	static const struct rules_header hdr[] = {
		{ "X-Priority", "1 (Highest)" },
		{ "Subject", "Panne \xc3\xa9lectrique" },
	};
	struct rules_input in = {
		"URGENT: production down \xe2\x80\x94 panne "
		"g\xc3\xa9n\xc3\xa9rale",
		"Bonjour,\nle site est indisponible depuis 10h. aaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n\xff\xfe invalid",
		"client@example.org", to, 1, NULL, 0, hdr, 2
	};
	struct conf_diag diag = { 0 };
	struct rules *r = NULL;
	struct rules_result res;

	if (rules_load(&r, "fuzz", (const char *)data, len, &diag) == 0) {
		(void)rules_eval(&res, r, &in);
		rules_free(&r);
	}
	conf_diag_free(&diag);
	return 0;
}
