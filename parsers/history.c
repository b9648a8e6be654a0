/*
 * history.c - exports of other help desks to tickets (see history.h)
 *
 * The tables below are the column mapping of each format (documented in
 * doc/import.md): which header names our fields, how the tool's statuses,
 * priorities and kinds of message map to ours. A header is matched
 * without regard to case or surrounding blanks; unknown columns are
 * ignored. Tickets are found by their old number through a small open
 * hash table, so that an export of many thousand tickets reads in one
 * pass.
 */
#include "parsers/history.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "parsers/csv.h"

#define MAX_MESSAGES 10000     /* messages of one ticket */
#define MAX_PROBLEMS 1000      /* problems listed; more are counted */

enum field {
	F_REF, F_SUBJECT, F_STATUS, F_PRIORITY, F_REQUESTER, F_REQNAME,
	F_LANG, F_CREATED, F_CLOSED, F_MID, F_MDATE, F_MFROM, F_MKIND,
	F_MINTERNAL, F_MTEXT, F_COUNT
};

/* Our field -> the tool's column; required ones first in the check. */
static const char *const columns[4][F_COUNT] = {
	[HISTORY_RT] = { "id", "Subject", "Status", "Priority",
	    "Requestors", NULL, NULL, "Created", "Resolved",
	    "TransactionId", "TransactionCreated", "TransactionCreator",
	    "TransactionType", NULL, "Content" },
	[HISTORY_ZAMMAD] = { "number", "title", "state", "priority",
	    "customer", NULL, NULL, "created_at", "close_at", "article_id",
	    "article_created_at", "article_from", "article_sender",
	    "article_internal", "article_body" },
	[HISTORY_OSTICKET] = { "Ticket Number", "Subject", "Current Status",
	    "Priority", "From Email", "From", NULL, "Date Created",
	    "Closed Date", "Thread Entry Id", "Thread Date", "Poster Email",
	    "Thread Type", NULL, "Body" },
	[HISTORY_GENERIC] = { "ref", "subject", "status", "priority",
	    "requester", "requester_name", "language", "created_at",
	    "closed_at", "message_id", "message_date", "message_from",
	    "message_author", NULL, "message_text" },
};
static const enum field required[] = { F_REF, F_SUBJECT, F_STATUS,
	F_REQUESTER, F_CREATED, F_MTEXT };

static const char *const format_names[4] = { "rt", "zammad", "osticket",
	"generic" };

struct map {
	const char *theirs, *ours;
};

/* Statuses: the tool's word (any case) -> ours. */
static const struct map rt_status[] = { { "new", "new" },
	{ "open", "open" }, { "stalled", "pending" },
	{ "resolved", "resolved" }, { "rejected", "closed" },
	{ "deleted", "closed" }, { NULL, NULL } };
static const struct map zammad_status[] = { { "new", "new" },
	{ "open", "open" }, { "pending reminder", "pending" },
	{ "pending close", "pending" }, { "closed", "closed" },
	{ "merged", "closed" }, { "removed", "closed" }, { NULL, NULL } };
static const struct map osticket_status[] = { { "open", "open" },
	{ "resolved", "resolved" }, { "closed", "closed" },
	{ "archived", "closed" }, { "deleted", "closed" }, { NULL, NULL } };
static const struct map generic_status[] = { { "new", "new" },
	{ "open", "open" }, { "pending", "pending" },
	{ "resolved", "resolved" }, { "closed", "closed" }, { NULL, NULL } };
static const struct map *const statuses[4] = { rt_status, zammad_status,
	osticket_status, generic_status };

/* Priorities (RT's numbers are handled apart). */
static const struct map rt_prio[] = { { "high", "P1" },
	{ "medium", "P2" }, { "low", "P3" }, { NULL, NULL } };
static const struct map zammad_prio[] = { { "3 high", "P1" },
	{ "2 normal", "P2" }, { "1 low", "P3" }, { "high", "P1" },
	{ "normal", "P2" }, { "low", "P3" }, { NULL, NULL } };
static const struct map osticket_prio[] = { { "emergency", "P1" },
	{ "high", "P1" }, { "normal", "P2" }, { "low", "P3" },
	{ NULL, NULL } };
static const struct map generic_prio[] = { { "p1", "P1" }, { "p2", "P2" },
	{ "p3", "P3" }, { NULL, NULL } };
static const struct map *const priorities[4] = { rt_prio, zammad_prio,
	osticket_prio, generic_prio };

/* Kinds of message: "customer", "agent", "note" (internal), "skip" (not
 * a message: RT's status changes, Zammad's system articles). "" is
 * the kind of an empty cell. */
static const struct map rt_kind[] = { { "create", "by-address" },
	{ "correspond", "by-address" }, { "comment", "note" },
	{ "", "by-address" }, { NULL, "skip" } };
static const struct map zammad_kind[] = { { "customer", "customer" },
	{ "agent", "agent" }, { "system", "skip" }, { "", "customer" },
	{ NULL, NULL } };
static const struct map osticket_kind[] = { { "m", "customer" },
	{ "r", "agent" }, { "n", "note" }, { "", "customer" },
	{ NULL, NULL } };
static const struct map generic_kind[] = { { "customer", "customer" },
	{ "agent", "agent" }, { "note", "note" }, { "", "customer" },
	{ NULL, NULL } };
static const struct map *const kinds[4] = { rt_kind, zammad_kind,
	osticket_kind, generic_kind };

int
history_format_parse(enum history_format *out, const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum history_format)i;
			return 0;
		}
	return -1;
}

const char *
history_format_name(enum history_format f)
{
	return format_names[f];
}

/* The mapped value of s (any case, trimmed by the caller), or NULL; a
 * table ending with { NULL, x } maps everything else to x. */
static const char *
map_find(const struct map *m, const char *s)
{
	for (; m->theirs != NULL; m++)
		if (str_casecmp(m->theirs, s) == 0)
			return m->ours;
	return m->ours;
}

/* The words a table knows, for a message: "new, open, ...". */
static void
map_list(char *out, size_t len, const struct map *m)
{
	size_t o = 0;

	out[0] = '\0';
	for (; m->theirs != NULL && o < len; m++)
		if (m->theirs[0] != '\0')
			o += (size_t)snprintf(out + o, len - o, "%s%s",
			    o ? ", " : "", m->theirs);
}

/* ----- Reading one row ------------------------------------------- */

struct reader {
	struct history *h;
	enum history_format f;
	const char *name;
	time_t now;
	int col[F_COUNT];          /* column index, -1: absent */
	size_t *slots;             /* hash of refs: ticket index + 1 */
	size_t nslots;
};

static void problem(struct reader *r, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct reader *r, size_t line, const char *fmt, ...)
{
	struct history *h = r->h;
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one line per problem, whatever the quoted value holds */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (h->nproblems == MAX_PROBLEMS) {
		h->nproblems++;
		msg[0] = '\0';
	}
	if (h->nproblems > MAX_PROBLEMS)
		return;
	if (h->nproblems == h->pcap) {
		h->pcap = h->pcap ? 2 * h->pcap : 16;
		h->problems = xrealloc(h->problems, h->pcap *
		    sizeof(*h->problems));
	}
	h->problems[h->nproblems++] = arena_printf(&h->arena, "%s:%zu: %s",
	    r->name, line, msg);
}

/* The trimmed cell of field f, "" when the column is absent. */
static const char *
cell(const struct reader *r, const struct csv_record *rec, enum field f,
    struct arena *a)
{
	const char *s;
	size_t n;

	if (r->col[f] < 0 || (size_t)r->col[f] >= rec->nfields)
		return "";
	s = rec->fields[r->col[f]];
	n = rec->lens[r->col[f]];
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

/* The cell of a header of ours (a subject, a name): on one line, its
 * control characters (newlines of a multi-line cell included) blanks,
 * so that nothing read here can add a header to a mail we write. */
static const char *
line_cell(const struct reader *r, const struct csv_record *rec,
    enum field f, struct arena *a)
{
	char *s = (char *)cell(r, rec, f, a);

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

/* n decimal digits (at most 9: no int overflow) into *v. */
static bool
digits(const char *s, size_t n, int *v)
{
	*v = 0;
	if (n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return n > 0;
}

/* A date of an export: ISO 8601 as common/util.c reads it, also with
 * " UTC" or a blank before the zone ("2024-01-15 04:30 -0500"), or
 * osTicket's "M/D/YYYY h:mm[:ss] [am|pm]"; UTC when no zone is given.
 * 0, or -1 for anything else. */
static int
parse_date(time_t *out, const char *s)
{
	char buf[64];
	size_t n = strlen(s);
	int y, mo, d, h = 0, mi = 0, sec = 0, k;
	const char *a = strchr(s, '/'), *b, *p;

	if (n >= sizeof(buf))
		return -1;
	if (a != NULL) {
		b = strchr(a + 1, '/');
		if (b == NULL || !digits(s, (size_t)(a - s), &mo) ||
		    !digits(a + 1, (size_t)(b - a - 1), &d) ||
		    strspn(b + 1, "0123456789") != 4 || !digits(b + 1, 4, &y))
			return -1;
		p = b + 5;
		while (*p == ' ')
			p++;
		if (isdigit((unsigned char)*p)) {
			k = (int)strspn(p, "0123456789");
			if (k > 2 || !digits(p, (size_t)k, &h) || p[k] != ':' ||
			    strspn(p + k + 1, "0123456789") != 2 ||
			    !digits(p + k + 1, 2, &mi))
				return -1;
			p += k + 3;
			if (*p == ':' && strspn(p + 1, "0123456789") == 2 &&
			    digits(p + 1, 2, &sec))
				p += 3;
			while (*p == ' ')
				p++;
			if (str_casecmp(p, "am") == 0 ||
			    str_casecmp(p, "pm") == 0) {
				if (h < 1 || h > 12)
					return -1;
				h = h % 12 + (tolower((unsigned char)*p) ==
				    'p' ? 12 : 0);
				p += 2;
			}
		}
		if (*p != '\0' || mo > 12 || d > 31 || h > 23)
			return -1;
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    y, mo, d, h, mi, sec);
	} else {
		memcpy(buf, s, n + 1);
		if (n > 4 && strcmp(buf + n - 4, " UTC") == 0)
			buf[n -= 4] = '\0';
		for (k = 5; k <= 6; k++)    /* " -0500", " -05:00" */
			if (n > (size_t)k + 10 && buf[n - k - 1] == ' ' &&
			    (buf[n - k] == '+' || buf[n - k] == '-'))
				memmove(buf + n - k - 1, buf + n - k,
				    (size_t)k + 1);
	}
	if (time_parse_iso8601(out, buf) != 0 || *out < 0)
		return -1;
	return 0;
}

/* An address "a@b", or "Name <a@b>", or the first of a list "a@b, c@d":
 * the address (lower case) and the name, or -1. */
static int
parse_address(struct arena *a, const char *s, const char **addr_r,
    const char **name_r)
{
	const char *lt = strchr(s, '<'), *at;
	char *addr, *name = NULL;
	size_t n;

	if (lt != NULL) {
		const char *gt = strchr(lt, '>');

		if (gt == NULL)
			return -1;
		addr = arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
		name = str_trim(arena_strndup(a, s, (size_t)(lt - s)));
		n = strlen(name);
		if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
			name[n - 1] = '\0';
			name++;
		}
	} else {
		addr = arena_strndup(a, s, strcspn(s, ",;"));
	}
	addr = str_trim(addr);
	str_tolower(addr);
	n = strlen(addr);
	at = strchr(addr, '@');
	if (n == 0 || n > 254 || at == NULL || at == addr || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strpbrk(addr, " <>()\",;") ||
	    strchr(at + 1, '.') == NULL)
		return -1;
	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == 0x7f)
			return -1;
	if (name != NULL)
		for (char *p = name; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
	*addr_r = addr;
	*name_r = name && *name ? name : NULL;
	return 0;
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The ticket with that old number, or a new one (*fresh_r). */
static struct history_ticket *
ticket_slot(struct reader *r, const char *ref, bool *fresh_r)
{
	struct history *h = r->h;
	size_t i;

	if (2 * (h->ntickets + 1) > r->nslots) {
		size_t n = r->nslots ? 2 * r->nslots : 64;
		size_t *s = xcalloc(n, sizeof(*s));

		for (size_t k = 0; k < h->ntickets; k++) {
			for (i = hash(h->tickets[k].ref) & (n - 1); s[i];
			    i = (i + 1) & (n - 1))
				;
			s[i] = k + 1;
		}
		free(r->slots);
		r->slots = s;
		r->nslots = n;
	}
	for (i = hash(ref) & (r->nslots - 1); r->slots[i];
	    i = (i + 1) & (r->nslots - 1))
		if (strcmp(h->tickets[r->slots[i] - 1].ref, ref) == 0) {
			*fresh_r = false;
			return &h->tickets[r->slots[i] - 1];
		}
	if (h->ntickets == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->tickets = xrealloc(h->tickets, h->cap *
		    sizeof(*h->tickets));
	}
	r->slots[i] = h->ntickets + 1;
	*fresh_r = true;
	memset(&h->tickets[h->ntickets], 0, sizeof(h->tickets[0]));
	return &h->tickets[h->ntickets++];
}

static const char *
col_name(const struct reader *r, enum field f)
{
	return columns[r->f][f];
}

/* The priority of a cell: the table's word, RT's number (0-100: 70 and
 * more P1, 40 and more P2), P3 when empty; NULL when unknown. */
static const char *
priority_of(const struct reader *r, const char *s)
{
	int v;

	if (s[0] == '\0')
		return "P3";
	if (r->f == HISTORY_RT && digits(s, strlen(s), &v) && strlen(s) < 6)
		return v >= 70 ? "P1" : v >= 40 ? "P2" : "P3";
	return map_find(priorities[r->f], s);
}

/* A date cell: 0 and *t (0 for an empty cell and, for RT, its "Not set"
 * and 1970 epoch), or -1 after reporting the problem. */
static int
date_cell(struct reader *r, size_t line, enum field f, const char *s,
    time_t *t)
{
	*t = 0;
	if (s[0] == '\0' || str_casecmp(s, "Not set") == 0 ||
	    strncmp(s, "1970-01-01 00:00:00", 19) == 0)
		return 0;
	if (parse_date(t, s) != 0) {
		problem(r, line, "%s: \"%.60s\" is not a date (expected "
		    "YYYY-MM-DD HH:MM:SS, in UTC unless a zone follows)",
		    col_name(r, f), s);
		return -1;
	}
	if (*t > r->now) {
		problem(r, line, "%s: %.60s is in the future", col_name(r, f),
		    s);
		return -1;
	}
	return 0;
}

/* The ticket fields of a row that repeats a ticket must be the same. */
static int
same(struct reader *r, size_t line, const struct history_ticket *t,
    enum field f, const char *a, const char *b)
{
	if ((a == NULL ? "" : a) == (b == NULL ? "" : b) ||
	    strcmp(a ? a : "", b ? b : "") == 0)
		return 0;
	problem(r, line, "ticket %s: %s \"%.60s\" differs from \"%.60s\" on "
	    "line %zu (two tickets with one number?)", t->ref,
	    col_name(r, f), b ? b : "", a ? a : "", t->line);
	return -1;
}

static void
read_row(struct reader *r, const struct csv_record *rec)
{
	struct history *h = r->h;
	struct arena *a = &h->arena;
	struct history_ticket t = { .line = rec->line }, *tp;
	struct history_message m = { .line = rec->line };
	const char *s, *kind, *mfrom, *mname;
	size_t line = rec->line;
	char list[200];
	bool fresh, bad = false;

	t.ref = cell(r, rec, F_REF, a);
	if (t.ref[0] == '\0' || strlen(t.ref) > HISTORY_MAX_REF ||
	    strspn(t.ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") != strlen(t.ref)) {
		problem(r, line, "%s: \"%.60s\" is not a ticket number (1 to "
		    "%d letters, digits, '-', '_' or '.')", col_name(r, F_REF),
		    t.ref, HISTORY_MAX_REF);
		h->bad_rows++;
		return;
	}
	t.subject = line_cell(r, rec, F_SUBJECT, a);
	if (t.subject[0] == '\0')
		t.subject = "(no subject)";
	s = cell(r, rec, F_STATUS, a);
	if ((t.status = map_find(statuses[r->f], s)) == NULL) {
		map_list(list, sizeof(list), statuses[r->f]);
		problem(r, line, "%s: \"%.60s\" is not a status of %s (%s)",
		    col_name(r, F_STATUS), s, format_names[r->f], list);
		bad = true;
	}
	s = cell(r, rec, F_PRIORITY, a);
	if ((t.priority = priority_of(r, s)) == NULL) {
		map_list(list, sizeof(list), priorities[r->f]);
		problem(r, line, "%s: \"%.60s\" is not a priority of %s (%s)",
		    col_name(r, F_PRIORITY), s, format_names[r->f], list);
		bad = true;
	}
	s = cell(r, rec, F_REQUESTER, a);
	if (parse_address(a, s, &t.requester, &t.requester_name) != 0) {
		problem(r, line, "%s: \"%.60s\" is not an e-mail address",
		    col_name(r, F_REQUESTER), s);
		bad = true;
	}
	s = line_cell(r, rec, F_REQNAME, a);
	if (s[0] != '\0')
		t.requester_name = s;
	s = cell(r, rec, F_LANG, a);
	if (s[0] != '\0' && strcmp(s, "fr") != 0 && strcmp(s, "en") != 0) {
		problem(r, line, "%s: \"%.60s\": the languages are fr and en",
		    col_name(r, F_LANG), s);
		bad = true;
	}
	t.language = s[0] ? s : NULL;
	if (date_cell(r, line, F_CREATED, cell(r, rec, F_CREATED, a),
	    &t.created) != 0)
		bad = true;
	else if (t.created == 0) {
		problem(r, line, "%s: a date is needed",
		    col_name(r, F_CREATED));
		bad = true;
	}
	if (date_cell(r, line, F_CLOSED, cell(r, rec, F_CLOSED, a),
	    &t.closed) != 0)
		bad = true;

	/* the message of the row */
	s = cell(r, rec, F_MID, a);
	m.id = s[0] ? s : NULL;
	if (date_cell(r, line, F_MDATE, cell(r, rec, F_MDATE, a),
	    &m.date) != 0)
		bad = true;
	if (m.date == 0)
		m.date = t.created;
	s = cell(r, rec, F_MKIND, a);
	kind = map_find(kinds[r->f], s);
	if (kind == NULL) {
		map_list(list, sizeof(list), kinds[r->f]);
		problem(r, line, "%s: \"%.60s\" is not a kind of message of "
		    "%s (%s)", col_name(r, F_MKIND), s, format_names[r->f],
		    list);
		bad = true;
		kind = "skip";
	}
	s = line_cell(r, rec, F_MFROM, a);
	mfrom = mname = NULL;
	if (s[0] != '\0' && parse_address(a, s, &mfrom, &mname) != 0) {
		/* RT's creator is a user name when it is an agent's */
		if (r->f != HISTORY_RT) {
			problem(r, line, "%s: \"%.60s\" is not an e-mail "
			    "address", col_name(r, F_MFROM), s);
			bad = true;
		}
		mname = s;
	}
	m.from = mfrom;
	m.from_name = mname;
	if (strcmp(kind, "by-address") == 0)
		kind = mfrom != NULL && t.requester != NULL &&
		    strcmp(mfrom, t.requester) == 0 ? "customer" : (mfrom ==
		    NULL && mname == NULL ? "customer" : "agent");
	if (strcmp(kind, "note") == 0) {
		m.author = "agent";
		m.internal = true;
	} else {
		m.author = kind;
	}
	s = cell(r, rec, F_MINTERNAL, a);
	if (str_casecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		m.internal = true;
	if (m.from == NULL && strcmp(m.author, "customer") == 0)
		m.from = t.requester;
	m.text = r->col[F_MTEXT] >= 0 && (size_t)r->col[F_MTEXT] <
	    rec->nfields ? arena_strndup(a, rec->fields[r->col[F_MTEXT]],
	    rec->lens[r->col[F_MTEXT]]) : "";

	tp = ticket_slot(r, t.ref, &fresh);
	if (fresh) {
		*tp = t;
	} else if (!bad) {
		bad |= same(r, line, tp, F_SUBJECT, tp->subject,
		    t.subject) != 0;
		bad |= same(r, line, tp, F_STATUS, tp->status,
		    t.status) != 0;
		bad |= same(r, line, tp, F_REQUESTER, tp->requester,
		    t.requester) != 0;
	}
	if (!bad && strcmp(kind, "skip") != 0) {
		for (size_t i = 0; i < tp->nmessages; i++) {
			const struct history_message *o = &tp->messages[i];

			if (m.id != NULL ? (o->id != NULL &&
			    strcmp(o->id, m.id) == 0) : (o->id == NULL &&
			    o->date == m.date && strcmp(o->text, m.text) == 0 &&
			    strcmp(o->from ? o->from : "", m.from ? m.from :
			    "") == 0)) {
				problem(r, line, "ticket %s: the same message "
				    "as on line %zu", t.ref, o->line);
				bad = true;
				break;
			}
		}
		if (!bad && tp->nmessages == MAX_MESSAGES) {
			problem(r, line, "ticket %s: more than %d messages",
			    t.ref, MAX_MESSAGES);
			bad = true;
		}
	}
	if (bad) {
		tp->bad = true;
		h->bad_rows++;
		return;
	}
	if (strcmp(kind, "skip") == 0)
		return;
	if (tp->nmessages == tp->cap) {
		tp->cap = tp->cap ? 2 * tp->cap : 4;
		tp->messages = xrealloc(tp->messages, tp->cap *
		    sizeof(*tp->messages));
	}
	tp->messages[tp->nmessages++] = m;
}

/* Which column holds each field; -1 after reporting a missing one. */
static int
read_header(struct reader *r, const struct csv_record *rec,
    struct gc_err *err)
{
	for (int f = 0; f < F_COUNT; f++) {
		r->col[f] = -1;
		for (size_t i = 0; columns[r->f][f] && i < rec->nfields; i++) {
			char *s = str_trim(arena_strdup(&r->h->arena,
			    rec->fields[i]));

			if (str_casecmp(s, columns[r->f][f]) == 0) {
				r->col[f] = (int)i;
				break;
			}
		}
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++) {
		const char *want = columns[r->f][required[i]];
		const char *hint = rec->nfields == 1 && strpbrk(
		    rec->fields[0], ";|") != NULL ? " (the file must be "
		    "separated by commas, not semicolons or bars)" : "";

		if (r->col[required[i]] >= 0)
			continue;
		problem(r, rec->line, "no column \"%s\": not a %s export%s",
		    want, format_names[r->f], hint);
		return gc_err_set(err, GC_EPARSE, "%s:%zu: no column \"%s\": "
		    "not a %s export%s", r->name, rec->line, want,
		    format_names[r->f], hint);
	}
	return 0;
}

int
history_parse(struct history **out, enum history_format f,
    const char *name, const char *data, size_t len, time_t now,
    struct gc_err *err)
{
	struct history *h = xcalloc(1, sizeof(*h));
	struct reader r = { .h = h, .f = f, .name = name, .now = now };
	struct csv_settings set = { 0 };
	struct csv_reader csv;
	struct csv_record rec;
	const char *nl = memchr(data, '\n', len);
	size_t first = nl ? (size_t)(nl - data) : len;
	bool header = false;
	int rc = 0, n;

	arena_init(&h->arena, 64 * 1024);
	*out = h;
	/* RT's "Spreadsheet" download is tab-separated */
	if (memchr(data, '\t', first) != NULL &&
	    memchr(data, ',', first) == NULL)
		set.delim = '\t';
	csv_init(&csv, data, len, &set);
	while (rc == 0 && (n = csv_next(&csv, &rec, err)) != 0) {
		if (n < 0) {
			problem(&r, rec.line, "%s", strchr(err->msg, ':') ?
			    strchr(err->msg, ':') + 2 : err->msg);
			gc_err_clear(err);
			if (!header) {
				rc = gc_err_set(err, GC_EPARSE, "%s",
				    h->problems[h->nproblems - 1]);
				break;
			}
			h->rows++;
			h->bad_rows++;
			continue;
		}
		if (!header) {
			header = true;
			rc = read_header(&r, &rec, err);
			continue;
		}
		h->rows++;
		read_row(&r, &rec);
	}
	if (rc == 0 && !header) {
		problem(&r, 1, "empty file: no header line");
		rc = gc_err_set(err, GC_EPARSE, "%s:1: empty file: no header "
		    "line", name);
	}
	csv_deinit(&csv);
	free(r.slots);
	return rc;
}

void
history_free(struct history **hp)
{
	struct history *h = *hp;

	if (h == NULL)
		return;
	for (size_t i = 0; i < h->ntickets; i++)
		free(h->tickets[i].messages);
	free(h->tickets);
	free(h->problems);
	arena_free(&h->arena);
	free(h);
	*hp = NULL;
}

int
history_subject_refs(const char *subject,
    int (*found)(const char *prefix, const char *ref, void *arg),
    void *arg)
{
	const char *p = subject;
	int seen = 0;

	while ((p = strchr(p, '[')) != NULL) {
		const char *close = strchr(p + 1, ']');
		const char *open = strchr(p + 1, '['), *hash, *b, *e;
		char prefix[65], ref[HISTORY_MAX_REF + 1];
		size_t rlen;

		if (close == NULL)
			break;
		if (open != NULL && open < close) {
			p = open;
			continue;
		}
		hash = memchr(p + 1, '#', (size_t)(close - p - 1));
		b = p + 1;
		p = close + 1;
		if (hash == NULL)
			continue;
		rlen = (size_t)(close - hash - 1);
		if (rlen == 0 || rlen > HISTORY_MAX_REF || strspn(hash + 1,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-") != rlen)
			continue;
		e = hash;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - b) >= sizeof(prefix))
			continue;
		memcpy(prefix, b, (size_t)(e - b));
		prefix[e - b] = '\0';
		memcpy(ref, hash + 1, rlen);
		ref[rlen] = '\0';
		seen++;
		if (found(prefix, ref, arg) != 0)
			break;
	}
	return seen;
}
