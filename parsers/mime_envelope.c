/*
 * mime_envelope.c - the structured fields of a message read into its
 * envelope: From, To, Cc, Reply-To, Return-Path, Message-ID, References,
 * Date
 *
 * libetpan's RFC 5322 parsers (mailimf) read the address lists and
 * msg-ids; dates are read by date.c, with libetpan behind it for what it
 * refuses. libetpan recurses once per nested comment "(((...": values
 * with deeply nested parentheses have their comments removed by us before
 * libetpan sees them, or such a header could exhaust the stack.
 */
#include "parsers/mime_int.h"

#include <libetpan/libetpan.h>
#include <stdlib.h>

#include "parsers/date.h"
#include "parsers/rfc2047.h"
#include "parsers/utf8.h"

#define PAREN_DEPTH_MAX 16      /* deeper comments are stripped first */

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
const char *
mime_display_text(struct ctx *c, const char *v, size_t len)
{
	char *s = rfc2047_decode(c->a, v, len, NULL, NULL);

	utf8_strip_controls(s, false, false);
	utf8_squeeze_spaces(s);
	return s[0] != '\0' ? s : NULL;
}

/* v without blanks, controls and angle brackets (lower_domain: with the
 * part after the last '@' lowercased); NULL when nothing is left. */
const char *
mime_squash(struct ctx *c, const char *v, size_t len, bool lower_domain)
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
	return mime_squash(c, v, len, true);
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
 * dropped, then as mime_display_text(). */
static const char *
name_text(struct ctx *c, const char *ns, const char *ne)
{
	while (ns < ne && (mime_is_blank(*ns) || *ns == '"' || *ns == ','))
		ns++;
	while (ne > ns && (mime_is_blank(ne[-1]) || ne[-1] == '"' ||
	    ne[-1] == ','))
		ne--;
	return ne > ns ? mime_display_text(c, ns, (size_t)(ne - ns)) : NULL;
}

/* Characters that end an address written without angle brackets. */
static bool
addr_stop(char ch)
{
	return mime_is_blank(ch) || ch == '"' || ch == '\'' || ch == '<' ||
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
		while (i < len && (mime_is_blank(s[i]) || s[i] == ','))
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

		while (i < len && (mime_is_blank(s[i]) || s[i] == ','))
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
			l->v[n0].name = mime_display_text(c, o + 1,
			    (size_t)(cl - o - 1));
	}
}

/* An address read from a header whose bytes were not UTF-8, with each
 * character past ASCII made U+FFFD (struct mail_header's converted);
 * NULL stays NULL. */
static const char *
unguess(struct ctx *c, const char *addr)
{
	const unsigned char *q = (const unsigned char *)addr;
	char *out, *w;

	while (q != NULL && *q != '\0' && *q < 0x80)
		q++;
	if (q == NULL || *q == '\0')
		return addr;
	w = out = arena_alloc(c->a, strlen(addr) * 3 + 1);
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
		if (*p < 0x80)
			*w++ = (char)*p;
		else if ((*p & 0xc0) != 0x80) {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
		}
	}
	*w = '\0';
	return out;
}

/* parse_addr_list() of header h into l, unguessed when converted. */
static void
header_addrs(struct ctx *c, struct addrs *l, const struct mail_header *h)
{
	size_t first = l->n;

	parse_addr_list(c, l, h->value);
	if (h->converted)
		for (size_t i = first; i < l->n; i++)
			l->v[i].addr = unguess(c, l->v[i].addr);
}

static void
collect_addrs(struct ctx *c, const struct mail_addr **out, size_t *n_r,
    const struct mail *m, const char *name)
{
	struct addrs l = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (same_name(m->headers[i].name, name))
			header_addrs(c, &l, &m->headers[i]);
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
		push_str(l, mime_squash(c, lt + 1, (size_t)(gt - lt - 1),
		    false));
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

			push_str(l, mime_squash(c, id, strlen(id), false));
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
		res = mime_squash(c, id, strlen(id), false);
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
		return mime_squash(c, v, strlen(v), true);
	gt = strchr(lt, '>');
	if (gt == NULL)
		gt = lt + strlen(lt);
	a = mime_squash(c, lt + 1, (size_t)(gt - lt - 1), true);
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

void
mime_read_envelope(struct ctx *c, struct mail *m)
{
	const struct mail_header *h;
	const char *v;
	struct strs ids = { NULL, 0, 0 };

	v = mail_header_get(m, "Subject");
	m->subject = "";
	if (v != NULL) {
		const char *s = mime_display_text(c, v, strlen(v));

		m->subject = s != NULL ? s : "";
	}
	h = mime_header_find(m, "From");
	if (h != NULL) {
		struct addrs l = { NULL, 0, 0 };

		header_addrs(c, &l, h);
		m->from = first_with_at(&l);
		free(l.v);
	}
	collect_addrs(c, &m->to, &m->nto, m, "To");
	collect_addrs(c, &m->cc, &m->ncc, m, "Cc");
	collect_addrs(c, &m->reply_to, &m->nreply_to, m, "Reply-To");
	h = mime_header_find(m, "Sender");
	if (h != NULL) {
		struct addrs l = { NULL, 0, 0 };

		header_addrs(c, &l, h);
		m->sender = first_with_at(&l).addr;
		free(l.v);
	}
	h = mime_header_find(m, "Return-Path");
	if (h != NULL) {
		m->return_path = parse_return_path(c, h->value);
		if (h->converted)
			m->return_path = unguess(c, m->return_path);
	}
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
