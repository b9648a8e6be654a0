/*
 * org.c - customer organisations: the table, lookups, the CSV reader
 * (see org.h)
 *
 * The table keeps the organisations in an array (in the order added) and
 * three hash indexes from key to array position: exact names, lowercase
 * addresses, lowercase domains. Open addressing with linear probing,
 * grown at half load, so that a CSV of many thousand organisations loads
 * and looks up in constant time per key. Keys and every string live in
 * the table's arena.
 *
 * Invariants: no two organisations share a name, a domain or an address;
 * an index never has more than half its slots used; org.domains and
 * org.addresses point into the arena.
 */
#include "sla/org.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/utf8.h"
#include "common/util.h"

struct slot {
	const char *key;        /* NULL: free */
	size_t org;
};

struct index {
	struct slot *v;
	size_t cap;             /* a power of two, or 0 */
	size_t n;
};

struct org_table {
	struct org *v;
	size_t n, cap;
	struct index names, addrs, domains;
	struct arena arena;
};

/* ----- Hash index -------------------------------------------------- */

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static const struct slot *
index_get(const struct index *ix, const char *key)
{
	if (ix->cap == 0)
		return NULL;
	for (size_t i = hash(key) & (ix->cap - 1);; i = (i + 1) &
	    (ix->cap - 1)) {
		if (ix->v[i].key == NULL)
			return NULL;
		if (strcmp(ix->v[i].key, key) == 0)
			return &ix->v[i];
	}
}

static void
index_put(struct index *ix, const char *key, size_t org)
{
	size_t i;

	if ((ix->n + 1) * 2 > ix->cap) {
		struct index big = { NULL, ix->cap ? ix->cap * 2 : 64, 0 };

		big.v = xcalloc(big.cap, sizeof(*big.v));
		for (size_t j = 0; j < ix->cap; j++)
			if (ix->v[j].key != NULL)
				index_put(&big, ix->v[j].key, ix->v[j].org);
		free(ix->v);
		*ix = big;
	}
	for (i = hash(key) & (ix->cap - 1); ix->v[i].key != NULL;
	    i = (i + 1) & (ix->cap - 1))
		;
	ix->v[i].key = key;
	ix->v[i].org = org;
	ix->n++;
}

/* ----- Syntax ------------------------------------------------------ */

static bool
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '\r' ||
	    c == '\n';
}

bool
org_valid_domain(const char *s)
{
	size_t len = strlen(s), label = 0;
	int dots = 0;

	if (len == 0 || len > 253)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			dots++;
			continue;
		}
		if (c == '-' && label == 0)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c >= 0x80))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[len - 1] != '-' && dots > 0;
}

bool
org_valid_address(const char *s)
{
	const char *at = strrchr(s, '@');

	if (at == NULL || at == s || strlen(s) > 254)
		return false;
	for (const char *p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || strchr("@<>()[]\\,;:\"", c))
			return false;
	}
	return org_valid_domain(at + 1);
}

/* Valid UTF-8 (a strict reading: no overlongs, no surrogates), and
 * without C0 controls but TAB unless allow_ctl. */
static bool
utf8_ok(const char *str, bool allow_ctl)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	while (n > 0) {
		unsigned char c = *s;
		size_t k;

		if (c < 0x80 && !allow_ctl && ((c < 0x20 && c != '\t') ||
		    c == 0x7f))
			return false;
		k = utf8_decode(NULL, s, n);
		if (k == 0)
			return false;
		s += k;
		n -= k;
	}
	return true;
}

/* ----- Table ------------------------------------------------------- */

struct org_table *
org_table_new(void)
{
	struct org_table *t = xcalloc(1, sizeof(*t));

	arena_init(&t->arena, 16384);
	return t;
}

void
org_table_free(struct org_table **tp)
{
	struct org_table *t = *tp;

	if (t == NULL)
		return;
	free(t->names.v);
	free(t->addrs.v);
	free(t->domains.v);
	free(t->v);
	arena_free(&t->arena);
	free(t);
	*tp = NULL;
}

void
org_table_fill_plan(struct org_table *t, const char *plan)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].plan == NULL)
			t->v[i].plan = arena_strdup(&t->arena, plan);
}

size_t
org_table_count(const struct org_table *t)
{
	return t != NULL ? t->n : 0;
}

const struct org *
org_table_get(const struct org_table *t, size_t i)
{
	return t != NULL && i < t->n ? &t->v[i] : NULL;
}

const struct org *
org_table_find(const struct org_table *t, const char *name)
{
	const struct slot *s;

	if (t == NULL || name == NULL)
		return NULL;
	s = index_get(&t->names, name);
	return s != NULL ? &t->v[s->org] : NULL;
}

static const char *
where(char *buf, size_t len, const struct org *o)
{
	if (o->file != NULL && o->line > 0)
		snprintf(buf, len, " (%s:%d)", o->file, o->line);
	else if (o->file != NULL)
		snprintf(buf, len, " (%s)", o->file);
	else
		buf[0] = '\0';
	return buf;
}

/* Split list into lowercase keys (malloc'd, in keys[]); checks syntax and
 * that no other organisation has them; drops repeats. */
static int
split_keys(char **keys, size_t *nkeys_r, const struct org_table *t,
    const char *list, bool domains, struct gc_err *err)
{
	const char *what = domains ? "domain" : "address";
	const struct index *ix = domains ? &t->domains : &t->addrs;
	const char *p = list;
	char other[512];

	while (p != NULL && *p) {
		size_t n;
		char *k;
		const struct slot *s;
		bool seen = false;

		while (is_sep(*p))
			p++;
		if (*p == '\0')
			break;
		n = 0;
		while (p[n] && !is_sep(p[n]))
			n++;
		if (domains && *p == '@')
			k = xstrndup(p + 1, n - 1);
		else
			k = xstrndup(p, n);
		p += n;
		str_tolower(k);
		if (domains ? !org_valid_domain(k) : !org_valid_address(k)) {
			gc_err_set(err, GC_EINVAL, "%s \"%s\" is not a %s",
			    what, k, domains ? "mail domain (example.com)" :
			    "mail address (local@example.com)");
			free(k);
			return GC_EINVAL;
		}
		if ((s = index_get(ix, k)) != NULL) {
			gc_err_set(err, GC_EDUP, "%s \"%s\" already belongs "
			    "to %s%s", what, k, t->v[s->org].name,
			    where(other, sizeof(other), &t->v[s->org]));
			free(k);
			return GC_EDUP;
		}
		for (size_t i = 0; i < *nkeys_r && !seen; i++)
			seen = strcmp(keys[i], k) == 0;
		if (seen) {
			free(k);
			continue;
		}
		if (*nkeys_r == ORG_MAX_KEYS) {
			free(k);
			return gc_err_set(err, GC_ELIMIT, "more than %d "
			    "domains and addresses", ORG_MAX_KEYS);
		}
		keys[(*nkeys_r)++] = k;
	}
	return 0;
}

static const char *
opt(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

static int
check_spec(const struct org_table *t, const struct org_spec *sp,
    struct gc_err *err)
{
	char other[512];
	const struct org *o;

	if (sp->name == NULL || *sp->name == '\0')
		return gc_err_set(err, GC_EINVAL, "name: empty");
	if (strlen(sp->name) > ORG_MAX_NAME || !utf8_ok(sp->name, false))
		return gc_err_set(err, GC_EINVAL, "name: not a name (UTF-8 "
		    "text up to %d bytes)", ORG_MAX_NAME);
	if ((o = org_table_find(t, sp->name)) != NULL)
		return gc_err_set(err, GC_EDUP, "organisation \"%s\" is "
		    "already defined%s", sp->name,
		    where(other, sizeof(other), o));
	if (!opt(sp->plan) && !sp->config)
		return gc_err_set(err, GC_EINVAL, "plan: empty");
	if (opt(sp->plan) && (strlen(sp->plan) > ORG_MAX_NAME ||
	    !utf8_ok(sp->plan, false)))
		return gc_err_set(err, GC_EINVAL, "plan: not a plan name");
	if (opt(sp->language) && strcmp(sp->language, "fr") != 0 &&
	    strcmp(sp->language, "en") != 0)
		return gc_err_set(err, GC_EINVAL, "language: \"%s\": the "
		    "languages are fr and en", sp->language);
	if (opt(sp->csm) && !org_valid_address(sp->csm))
		return gc_err_set(err, GC_EINVAL, "csm: \"%s\" is not a mail "
		    "address (local@example.com)", sp->csm);
	if (t->n == ORG_MAX_ORGS)
		return gc_err_set(err, GC_ELIMIT, "more than %d "
		    "organisations", ORG_MAX_ORGS);
	return 0;
}

static const char *const *
keep_keys(struct org_table *t, char **keys, size_t n)
{
	const char **v = arena_alloc(&t->arena, (n ? n : 1) * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = arena_strdup(&t->arena, keys[i]);
	return v;
}

int
org_table_add(struct org_table *t, const struct org_spec *sp,
    struct gc_err *err)
{
	char **dom = xcalloc(ORG_MAX_KEYS, sizeof(char *));
	char **adr = xcalloc(ORG_MAX_KEYS, sizeof(char *));
	size_t nd = 0, na = 0, idx = t->n;
	struct org *o;
	int rc;

	rc = check_spec(t, sp, err);
	if (rc == 0)
		rc = split_keys(dom, &nd, t, sp->domains, true, err);
	if (rc == 0)
		rc = split_keys(adr, &na, t, sp->addresses, false, err);
	if (rc == 0 && nd + na > ORG_MAX_KEYS)
		rc = gc_err_set(err, GC_ELIMIT, "more than %d domains and "
		    "addresses", ORG_MAX_KEYS);
	if (rc == 0 && nd + na == 0 && !sp->config)
		rc = gc_err_set(err, GC_EINVAL, "needs at least one domain "
		    "or address");
	if (rc != 0)
		goto out;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	o = &t->v[t->n++];
	memset(o, 0, sizeof(*o));
	o->name = arena_strdup(&t->arena, sp->name);
	o->plan = opt(sp->plan) ? arena_strdup(&t->arena, sp->plan) : NULL;
	o->language = opt(sp->language) ? arena_strdup(&t->arena,
	    sp->language) : NULL;
	if (opt(sp->csm)) {
		char *csm = arena_strdup(&t->arena, sp->csm);

		str_tolower(csm);
		o->csm = csm;
	}
	o->file = sp->file ? arena_strdup(&t->arena, sp->file) : NULL;
	o->line = sp->line;
	o->domains = keep_keys(t, dom, nd);
	o->ndomains = nd;
	o->addresses = keep_keys(t, adr, na);
	o->naddresses = na;
	index_put(&t->names, o->name, idx);
	for (size_t i = 0; i < nd; i++)
		index_put(&t->domains, o->domains[i], idx);
	for (size_t i = 0; i < na; i++)
		index_put(&t->addrs, o->addresses[i], idx);
out:
	for (size_t i = 0; i < nd; i++)
		free(dom[i]);
	for (size_t i = 0; i < na; i++)
		free(adr[i]);
	free(dom);
	free(adr);
	return rc;
}

const struct org *
org_table_lookup(const struct org_table *t, const char *addr,
    const char **by_r)
{
	char key[320];
	const struct slot *s;
	const char *d;
	size_t n;

	if (by_r != NULL)
		*by_r = NULL;
	if (t == NULL || addr == NULL || (n = strlen(addr)) == 0 ||
	    n >= sizeof(key))
		return NULL;
	memcpy(key, addr, n + 1);
	str_tolower(key);
	if ((s = index_get(&t->addrs, key)) != NULL) {
		if (by_r != NULL)
			*by_r = "address";
		return &t->v[s->org];
	}
	d = strrchr(key, '@');
	d = d != NULL ? d + 1 : key;
	while (*d) {
		if ((s = index_get(&t->domains, d)) != NULL) {
			if (by_r != NULL)
				*by_r = "domain";
			return &t->v[s->org];
		}
		d = strchr(d, '.');
		if (d == NULL)
			break;
		d++;
	}
	return NULL;
}

size_t
org_lookup_keys(const char **out, size_t max, struct arena *a,
    const char *addr)
{
	size_t n = 0, len;
	char *key;
	const char *d;

	if (addr == NULL || (len = strlen(addr)) == 0 || len >= 320)
		return 0;
	key = arena_strdup(a, addr);
	str_tolower(key);
	d = strrchr(key, '@');
	if (d != NULL && n < max)
		out[n++] = key;
	d = d != NULL ? d + 1 : key;
	while (*d && n < max && strchr(d, '.') != NULL) {
		out[n++] = d;
		d = strchr(d, '.') + 1;
	}
	return n;
}

/* ----- CSV --------------------------------------------------------- */

enum col { COL_NAME, COL_DOMAINS, COL_ADDRESSES, COL_PLAN, COL_LANGUAGE,
	COL_CSM, COL_COUNT };

static const struct {
	const char *name;
	enum col col;
} col_names[] = {
	{ "name", COL_NAME }, { "domains", COL_DOMAINS },
	{ "domain", COL_DOMAINS }, { "addresses", COL_ADDRESSES },
	{ "address", COL_ADDRESSES }, { "plan", COL_PLAN },
	{ "language", COL_LANGUAGE }, { "csm", COL_CSM },
};

struct csv {
	const char *p, *end;
	int line;               /* physical line of p */
	char delim;
	struct buf f[ORG_MAX_COLUMNS];
	size_t nf;
	int rec_line;           /* where the last record started */
	char why[160];
};

/* Skip to the start of the next line after an error. */
static void
csv_resync(struct csv *c)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));

	if (nl == NULL) {
		c->p = c->end;
	} else {
		c->p = nl + 1;
		c->line++;
	}
}

static int
csv_fail(struct csv *c, const char *msg)
{
	snprintf(c->why, sizeof(c->why), "%s", msg);
	return -1;
}

/* Read one record: 1 (fields in c->f[0..nf)), 0 at the end, -1 on a
 * syntax error (c->why; the reader is past the bad record). */
static int
csv_record(struct csv *c)
{
	if (c->p >= c->end)
		return 0;
	c->nf = 0;
	c->rec_line = c->line;
	for (;;) {
		struct buf *f;
		bool quoted = false;

		if (c->nf == ORG_MAX_COLUMNS) {
			csv_resync(c);
			return csv_fail(c, "more than 16 fields");
		}
		f = &c->f[c->nf++];
		buf_reset(f);
		if (c->p < c->end && *c->p == '"') {
			quoted = true;
			c->p++;
			for (;;) {
				char ch;

				if (c->p >= c->end)
					return csv_fail(c, "unterminated "
					    "quoted field");
				ch = *c->p++;
				if (ch == '"') {
					if (c->p < c->end && *c->p == '"')
						c->p++;
					else
						break;
				} else if (ch == '\n') {
					c->line++;
				}
				if (buf_addc(f, ch) != 0) {
					csv_resync(c);
					return csv_fail(c, "field too long");
				}
			}
			while (c->p < c->end && (*c->p == ' ' ||
			    *c->p == '\t'))
				c->p++;
		}
		while (c->p < c->end && *c->p != c->delim && *c->p != '\n' &&
		    *c->p != '\r') {
			if (quoted) {
				csv_resync(c);
				return csv_fail(c, "text after a closing "
				    "quote");
			}
			if (*c->p == '"') {
				csv_resync(c);
				return csv_fail(c, "quote inside an unquoted "
				    "field (quote the whole field)");
			}
			if (buf_addc(f, *c->p++) != 0) {
				csv_resync(c);
				return csv_fail(c, "field too long");
			}
		}
		if (c->p >= c->end)
			return 1;
		if (*c->p == c->delim) {
			c->p++;
			continue;
		}
		if (*c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
		c->line++;
		return 1;
	}
}

static const char *
field(struct csv *c, size_t i)
{
	if (i >= c->nf || c->f[i].data == NULL)
		return "";
	return str_trim(c->f[i].data);
}

static char
guess_delim(const char *p, const char *end)
{
	bool quoted = false, comma = false, semi = false;

	for (; p < end && (quoted || *p != '\n'); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ',')
			comma = true;
		else if (!quoted && *p == ';')
			semi = true;
	}
	return semi && !comma ? ';' : ',';
}

/* The header line: map columns. Returns false after reporting. */
static bool
csv_header(int cols[ORG_MAX_COLUMNS], struct csv *c, const char *name,
    struct conf_diag *diag)
{
	bool seen[COL_COUNT] = { false };
	size_t before = diag->n;

	for (size_t i = 0; i < c->nf; i++) {
		const char *h = field(c, i);
		size_t k;

		for (k = 0; k < sizeof(col_names) / sizeof(col_names[0]); k++)
			if (str_casecmp(h, col_names[k].name) == 0)
				break;
		if (k == sizeof(col_names) / sizeof(col_names[0])) {
			conf_diag_add(diag, name, c->rec_line, "unknown column "
			    "\"%s\" (name, domains, addresses, plan, "
			    "language, csm)", h);
			continue;
		}
		if (seen[col_names[k].col])
			conf_diag_add(diag, name, c->rec_line, "column \"%s\" "
			    "named twice", h);
		seen[col_names[k].col] = true;
		cols[i] = (int)col_names[k].col;
	}
	if (!seen[COL_NAME])
		conf_diag_add(diag, name, c->rec_line, "no \"name\" column");
	if (!seen[COL_PLAN])
		conf_diag_add(diag, name, c->rec_line, "no \"plan\" column");
	if (!seen[COL_DOMAINS] && !seen[COL_ADDRESSES])
		conf_diag_add(diag, name, c->rec_line, "no \"domains\" nor "
		    "\"addresses\" column");
	return diag->n == before;
}

static void
csv_row(struct org_table *t, struct csv *c, const int *cols, size_t ncols,
    const char *name, struct conf_diag *diag)
{
	const char *v[COL_COUNT] = { NULL };
	struct org_spec sp = { 0 };
	struct gc_err err = { 0 };

	if (c->nf != ncols) {
		conf_diag_add(diag, name, c->rec_line, "%zu fields where the "
		    "header has %zu", c->nf, ncols);
		return;
	}
	for (size_t i = 0; i < c->nf; i++) {
		v[cols[i]] = field(c, i);
		if (!utf8_ok(v[cols[i]], true)) {
			conf_diag_add(diag, name, c->rec_line, "field %zu is "
			    "not UTF-8 text (save the file as UTF-8)", i + 1);
			return;
		}
	}
	sp.name = v[COL_NAME];
	sp.plan = v[COL_PLAN];
	sp.language = v[COL_LANGUAGE];
	sp.csm = v[COL_CSM];
	sp.domains = v[COL_DOMAINS];
	sp.addresses = v[COL_ADDRESSES];
	sp.file = name;
	sp.line = c->rec_line;
	if (org_table_add(t, &sp, &err) != 0)
		conf_diag_add(diag, name, c->rec_line, "%s", err.msg);
}

static bool
blank_record(struct csv *c)
{
	return c->nf == 1 && *field(c, 0) == '\0';
}

int
org_csv_parse(struct org_table **out, const char *name, const char *text,
    size_t len, struct conf_diag *diag)
{
	struct org_table *t = org_table_new();
	struct csv c;
	int cols[ORG_MAX_COLUMNS];
	size_t before = diag->n, ncols = 0;
	bool header = false;
	int rc;

	*out = NULL;
	if (name == NULL)
		name = "organisations.csv";
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < ORG_MAX_COLUMNS; i++)
		buf_init(&c.f[i], ORG_MAX_FIELD);
	c.p = text;
	c.end = text + len;
	c.line = 1;
	if (len > ORG_MAX_CSV) {
		conf_diag_add(diag, name, 0, "larger than %d bytes",
		    ORG_MAX_CSV);
		goto done;
	}
	if (memchr(text, '\0', len) != NULL) {
		conf_diag_add(diag, name, 0, "the file contains a NUL byte");
		goto done;
	}
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		c.p += 3;
	c.delim = guess_delim(c.p, c.end);
	while ((rc = csv_record(&c)) != 0) {
		if (rc < 0) {
			conf_diag_add(diag, name, c.rec_line, "%s", c.why);
			if (!header)
				break;
			continue;
		}
		if (blank_record(&c))
			continue;
		if (!header) {
			header = true;
			ncols = c.nf;
			if (!csv_header(cols, &c, name, diag))
				break;
			continue;
		}
		csv_row(t, &c, cols, ncols, name, diag);
	}
	if (!header && diag->n == before)
		conf_diag_add(diag, name, 0, "empty: expected a header line "
		    "(name,domains,addresses,plan,language,csm)");
done:
	for (size_t i = 0; i < ORG_MAX_COLUMNS; i++)
		buf_free(&c.f[i]);
	if (diag->n > before) {
		org_table_free(&t);
		return GC_ECONFIG;
	}
	*out = t;
	return 0;
}
