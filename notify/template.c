/*
 * template.c - parse and render the mail templates (see template.h)
 *
 * A parsed template is a list of parts (the subject, each X-* header,
 * the body), each a list of segments: literal text or a variable. The
 * text of the segments lives in the template's own arena; the segment
 * arrays are malloc'd while parsing and copied into the arena at the end
 * of each part, so template_free() frees one arena and the struct.
 *
 * Line numbers in errors are 1-based lines of the file as given (a
 * leading BOM does not count), pointing at the line of the "{{".
 */
#include "notify/template.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"
#include "common/util.h"
#include "conf/embedded.h"

#define VAR_NAME_MAX 40

struct seg {
	const char *text;   /* literal text, or NULL for a variable */
	size_t len;
	const char *var;    /* variable name when text is NULL */
};

struct part {
	struct seg *segs;
	size_t nsegs;
};

struct tpl_header {
	char *name;
	struct part value;
};

struct template {
	struct arena a;
	struct part subject;
	struct part body;
	struct tpl_header headers[TEMPLATE_MAX_HEADERS];
	size_t nheaders;
};

/* ----- The names and their variables ------------------------------ */

static const char *const names[] = { "ack", "notify_agent", "update",
	"resolution", "closed", "reopened", "command_error",
	"escalation_warning", "escalation_breach", "size_limit", "rca",
	"command_help", "pgp_failed", "report", "undelivered", "held_notice",
	"digest", "reminder", "pending_reminder", "answer_held",
	"escalation_summary", NULL };

static const char *const languages[] = { "en", "fr", NULL };

#define BASE_VARS "support_name", "mailbox_address", "requester_name", \
	"requester_address", "subject"
#define TICKET_VARS "ticket_number", "ticket_tag", "priority", "status", \
	"status_label", "queue", "plan"

static const char *const vars_ack[] = { BASE_VARS, TICKET_VARS,
	"message_text", "pgp_fingerprint", "pgp_line", "follow_line", NULL };
static const char *const vars_message[] = { BASE_VARS, TICKET_VARS,
	"message_text", "agent_name", "eta", "eta_line", "follow_line", NULL };
static const char *const vars_resolution[] = { BASE_VARS, TICKET_VARS,
	"message_text", "agent_name", "eta", "eta_line", "rating_links",
	"follow_line", NULL };
static const char *const vars_notify_agent[] = { BASE_VARS, TICKET_VARS,
	"message_text", "agent_name", "commands_help", "attachments",
	"author", NULL };
static const char *const vars_closed[] = { BASE_VARS, TICKET_VARS,
	"agent_name", "follow_line", NULL };
static const char *const vars_command_error[] = { BASE_VARS, TICKET_VARS,
	"agent_name", "error", "commands_help", NULL };
static const char *const vars_escalation[] = { BASE_VARS, TICKET_VARS,
	"agent_name", "timer", "timer_label", "due_at", NULL };
static const char *const vars_size_limit[] = { BASE_VARS, "max_size",
	"message_size", NULL };
static const char *const vars_pgp_failed[] = { BASE_VARS,
	"pgp_fingerprint", "pgp_line", "error", NULL };
static const char *const vars_report[] = { BASE_VARS, "report_text",
	"organisation", "period", NULL };
static const char *const vars_undelivered[] = { BASE_VARS, TICKET_VARS,
	"agent_name", "recipient", "error", "what", "what_label", NULL };
static const char *const vars_held_notice[] = { BASE_VARS, "agent_name",
	"queue", "count", "first_id", "entries", NULL };
static const char *const vars_reminder[] = { BASE_VARS, TICKET_VARS,
	"agent_name", "author", "due_at", "commands_help", NULL };
static const char *const vars_pending[] = { BASE_VARS, TICKET_VARS,
	"close_line", "follow_line", NULL };
static const char *const vars_answer_held[] = { BASE_VARS, TICKET_VARS,
	"agent_name", "author", "answered_at", "message_text", NULL };
static const char *const vars_digest[] = { BASE_VARS, "agent_name",
	"queue", "count", "overdue", "unassigned", "yours", "day", "zone",
	"entries", NULL };
static const char *const vars_escalation_summary[] = { BASE_VARS,
	"count", "breaches", "warnings", "since", "burst", "zone", "entries",
	NULL };
static const char *const vars_all[] = { BASE_VARS, TICKET_VARS,
	"message_text", "agent_name", "error", "commands_help", "timer",
	"timer_label", "due_at", "max_size", "message_size", "attachments",
	"author", "eta", "eta_line", "rating_links", "pgp_fingerprint",
	"pgp_line", "report_text", "organisation", "period", "recipient",
	"what", "what_label", "count", "first_id", "entries", "follow_line",
	"overdue", "unassigned", "yours", "day", "zone", "close_line",
	"answered_at", "breaches", "warnings", "since", "burst", NULL };

static const struct {
	const char *name;
	const char *const *vars;
} var_table[] = {
	{ "ack", vars_ack },
	{ "notify_agent", vars_notify_agent },
	{ "update", vars_message },
	{ "resolution", vars_resolution },
	{ "closed", vars_closed },
	{ "reopened", vars_message },
	{ "command_error", vars_command_error },
	{ "escalation_warning", vars_escalation },
	{ "escalation_breach", vars_escalation },
	{ "size_limit", vars_size_limit },
	{ "rca", vars_message },
	{ "command_help", vars_command_error },
	{ "pgp_failed", vars_pgp_failed },
	{ "report", vars_report },
	{ "undelivered", vars_undelivered },
	{ "held_notice", vars_held_notice },
	{ "digest", vars_digest },
	{ "reminder", vars_reminder },
	{ "pending_reminder", vars_pending },
	{ "answer_held", vars_answer_held },
	{ "escalation_summary", vars_escalation_summary },
};

/* A canned reply, "replies/NAME" (an agent's #reply NAME): NAME one plain
 * word, so that the file stays inside the templates' folder. */
#define REPLIES_PREFIX "replies/"
#define REPLY_NAME_MAX 63

static bool
is_reply_name(const char *name)
{
	size_t n;

	if (strncmp(name, REPLIES_PREFIX, strlen(REPLIES_PREFIX)) != 0)
		return false;
	name += strlen(REPLIES_PREFIX);
	if ((n = strlen(name)) == 0 || n > REPLY_NAME_MAX)
		return false;
	for (; *name; name++)
		if (!((*name >= 'a' && *name <= 'z') ||
		    (*name >= 'A' && *name <= 'Z') ||
		    (*name >= '0' && *name <= '9') || *name == '-' ||
		    *name == '_'))
			return false;
	return true;
}

const char *const *
template_names(void)
{
	return names;
}

const char *const *
template_languages(void)
{
	return languages;
}

const char *const *
template_vars(const char *name)
{
	if (name == NULL)
		return NULL;
	if (is_reply_name(name))
		return vars_message;
	for (size_t i = 0; i < sizeof(var_table) / sizeof(var_table[0]); i++)
		if (strcmp(var_table[i].name, name) == 0)
			return var_table[i].vars;
	return NULL;
}

const char *const *
template_all_vars(void)
{
	return vars_all;
}

/* ----- Parsing ---------------------------------------------------- */

struct parser {
	struct template *t;
	const char *name;
	const char *const *allowed;
	struct seg *segs;       /* segments of the part being built */
	size_t nsegs, cap;
	struct gc_err *err;
};

static void
add_seg(struct parser *p, const char *text, size_t len, const char *var)
{
	if (text != NULL && len == 0)
		return;
	if (p->nsegs == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->segs = xrealloc(p->segs, p->cap * sizeof(*p->segs));
	}
	p->segs[p->nsegs].text = text ?
	    arena_strndup(&p->t->a, text, len) : NULL;
	p->segs[p->nsegs].len = len;
	p->segs[p->nsegs].var = var;
	p->nsegs++;
}

static void
end_part(struct parser *p, struct part *out)
{
	out->nsegs = p->nsegs;
	out->segs = p->nsegs ? arena_memdup(&p->t->a, p->segs,
	    p->nsegs * sizeof(*p->segs)) : NULL;
	p->nsegs = 0;
}

static bool
var_allowed(const struct parser *p, const char *var)
{
	if (p->allowed == NULL)
		return true;
	for (size_t i = 0; p->allowed[i]; i++)
		if (strcmp(p->allowed[i], var) == 0)
			return true;
	return false;
}

/*
 * Cut s[0..n), which starts on line *line, into segments of the current
 * part; *line is advanced over the newlines of s.
 */
static int
scan(struct parser *p, const char *s, size_t n, int *line)
{
	size_t i = 0, lit = 0;

	while (i < n) {
		const char *close, *b, *e;
		size_t k;
		char var[VAR_NAME_MAX + 1];

		if (s[i] == '\n') {
			(*line)++;
			i++;
			continue;
		}
		if (s[i] != '{' || i + 1 >= n || s[i + 1] != '{') {
			i++;
			continue;
		}
		if (i + 3 < n && s[i + 2] == '{' && s[i + 3] == '{') {
			/* "{{{{": a literal "{{". */
			add_seg(p, s + lit, i + 2 - lit, NULL);
			i += 4;
			lit = i;
			continue;
		}
		add_seg(p, s + lit, i - lit, NULL);
		close = NULL;
		for (k = i + 2; k + 1 < n && s[k] != '\n'; k++) {
			if (s[k] == '}' && s[k + 1] == '}') {
				close = s + k;
				break;
			}
		}
		if (close == NULL)
			return gc_err_set(p->err, GC_EPARSE,
			    "%s:%d: unterminated {{ (no }} on the same line)",
			    p->name, *line);
		b = s + i + 2;
		e = close;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e == b || (size_t)(e - b) > VAR_NAME_MAX ||
		    !(*b >= 'a' && *b <= 'z'))
			goto bad_name;
		for (const char *c = b; c < e; c++)
			if (!((*c >= 'a' && *c <= 'z') ||
			    (*c >= '0' && *c <= '9') || *c == '_'))
				goto bad_name;
		memcpy(var, b, (size_t)(e - b));
		var[e - b] = '\0';
		if (!var_allowed(p, var))
			return gc_err_set(p->err, GC_EPARSE,
			    "%s:%d: unknown variable {{%s}}", p->name, *line,
			    var);
		add_seg(p, NULL, 0, arena_strdup(&p->t->a, var));
		i = (size_t)(close - s) + 2;
		lit = i;
		continue;
bad_name:
		return gc_err_set(p->err, GC_EPARSE,
		    "%s:%d: bad variable name {{%.*s}} (lowercase letters, "
		    "digits and _)", p->name, *line,
		    (int)((size_t)(close - s) - i - 2 > 60 ? 60 :
		    (size_t)(close - s) - i - 2), s + i + 2);
	}
	add_seg(p, s + lit, n - lit, NULL);
	return 0;
}

/* Is s[0..n) valid UTF-8 without NUL? On failure *bad_r is the offset of
 * the first bad byte. */
static bool
text_ok(const char *s, size_t n, size_t *bad_r)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t len;

		if (p[i] == 0)
			goto bad;
		len = utf8_decode(NULL, p + i, n - i);
		if (len == 0)
			goto bad;
		i += len;
	}
	return true;
bad:
	*bad_r = i;
	return false;
}

static int
line_of(const char *s, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		if (s[i] == '\n')
			line++;
	return line;
}

static bool
header_allowed(const char *hname)
{
	return str_casecmp(hname, "Subject") == 0 ||
	    (str_casestarts(hname, "X-") && hname[2] != '\0');
}

/*
 * The header block: "Name: value" lines and their continuations, up to
 * the blank line. *pos_r and *line_r come back at the start of the body.
 */
static int
parse_headers(struct parser *p, const char *s, size_t n, size_t *pos_r,
    int *line_r)
{
	size_t pos = 0;
	int line = 1;
	bool have_subject = false;

	for (;;) {
		size_t eol, end, vstart, colon;
		int hline = line;
		struct buf val = BUF_INIT(TEMPLATE_MAX_SIZE);
		char hname[COMPOSE_MAX_HEADER_NAME + 1];
		int rc;

		if (pos >= n)
			return gc_err_set(p->err, GC_EPARSE,
			    "%s:%d: missing blank line between the headers "
			    "and the body", p->name, line);
		eol = pos;
		while (eol < n && s[eol] != '\n')
			eol++;
		end = eol > pos && s[eol - 1] == '\r' ? eol - 1 : eol;
		if (end == pos) {               /* the blank line */
			*pos_r = eol < n ? eol + 1 : eol;
			*line_r = line + 1;
			break;
		}
		if (s[pos] == ' ' || s[pos] == '\t')
			return gc_err_set(p->err, GC_EPARSE,
			    "%s:%d: continuation line without a header",
			    p->name, line);
		for (colon = pos; colon < end && s[colon] != ':'; colon++)
			if (s[colon] <= ' ' || s[colon] >= 127)
				break;
		if (colon >= end || s[colon] != ':' || colon == pos)
			return gc_err_set(p->err, GC_EPARSE,
			    "%s:%d: expected \"Header: value\" (or a blank "
			    "line before the body)", p->name, line);
		if (colon - pos > COMPOSE_MAX_HEADER_NAME)
			return gc_err_set(p->err, GC_EPARSE,
			    "%s:%d: header name too long", p->name, line);
		memcpy(hname, s + pos, colon - pos);
		hname[colon - pos] = '\0';
		if (!header_allowed(hname))
			return gc_err_set(p->err, GC_EPARSE,
			    "%s:%d: header %s not allowed in a template "
			    "(Subject and X-* only)", p->name, line, hname);
		if (str_casecmp(hname, "Subject") == 0) {
			if (have_subject)
				return gc_err_set(p->err, GC_EPARSE,
				    "%s:%d: second Subject header", p->name,
				    line);
			have_subject = true;
		} else if (p->t->nheaders == TEMPLATE_MAX_HEADERS) {
			return gc_err_set(p->err, GC_EPARSE,
			    "%s:%d: more than %d headers", p->name, line,
			    TEMPLATE_MAX_HEADERS);
		}
		/* The value, with its continuation lines. */
		vstart = colon + 1;
		while (vstart < end && (s[vstart] == ' ' || s[vstart] == '\t'))
			vstart++;
		rc = buf_add(&val, s + vstart, end - vstart);
		pos = eol < n ? eol + 1 : eol;
		line++;
		while (rc == 0 && pos < n &&
		    (s[pos] == ' ' || s[pos] == '\t')) {
			eol = pos;
			while (eol < n && s[eol] != '\n')
				eol++;
			end = eol > pos && s[eol - 1] == '\r' ? eol - 1 : eol;
			while (pos < end && (s[pos] == ' ' || s[pos] == '\t'))
				pos++;
			/* Joined with "\n" so that scan() counts lines;
			 * rendering makes it a space. */
			rc = buf_addc(&val, '\n');
			if (rc == 0)
				rc = buf_add(&val, s + pos, end - pos);
			pos = eol < n ? eol + 1 : eol;
			line++;
		}
		if (rc == 0)
			rc = scan(p, buf_str(&val), val.len, &hline);
		buf_free(&val);
		if (rc != 0)
			return rc;
		if (str_casecmp(hname, "Subject") == 0) {
			end_part(p, &p->t->subject);
		} else {
			struct tpl_header *h = &p->t->headers[p->t->nheaders++];

			h->name = arena_strdup(&p->t->a, hname);
			end_part(p, &h->value);
		}
	}
	if (!have_subject)
		return gc_err_set(p->err, GC_EPARSE,
		    "%s:1: missing \"Subject:\" header", p->name);
	return 0;
}

int
template_parse(struct template **out, const char *name, const char *text,
    size_t len, const char *const *allowed_vars, struct gc_err *err)
{
	struct parser p = { 0 };
	size_t bad, pos = 0;
	int line = 1, rc;

	*out = NULL;
	if (name == NULL)
		name = "template";
	if (len > TEMPLATE_MAX_SIZE)
		return gc_err_set(err, GC_ELIMIT, "%s: larger than %d bytes",
		    name, TEMPLATE_MAX_SIZE);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (!text_ok(text, len, &bad))
		return gc_err_set(err, GC_EPARSE, "%s:%d: %s", name,
		    line_of(text, bad), text[bad] == '\0' ? "NUL byte" :
		    "invalid UTF-8");
	p.t = xcalloc(1, sizeof(*p.t));
	arena_init(&p.t->a, 4096);
	p.name = name;
	p.allowed = allowed_vars;
	p.err = err;
	rc = parse_headers(&p, text, len, &pos, &line);
	if (rc == 0)
		rc = scan(&p, text + pos, len - pos, &line);
	if (rc == 0)
		end_part(&p, &p.t->body);
	free(p.segs);
	if (rc != 0) {
		template_free(&p.t);
		return rc;
	}
	*out = p.t;
	return 0;
}

void
template_free(struct template **t)
{
	if (*t == NULL)
		return;
	arena_free(&(*t)->a);
	free(*t);
	*t = NULL;
}

/* ----- Rendering -------------------------------------------------- */

static const char *
lookup(const struct template_var *vars, size_t nvars, const char *name)
{
	for (size_t i = 0; i < nvars; i++)
		if (vars[i].name != NULL && strcmp(vars[i].name, name) == 0)
			return vars[i].value ? vars[i].value : "";
	return "";
}

static int
render_part(struct buf *b, const struct part *pt,
    const struct template_var *vars, size_t nvars)
{
	int rc = 0;

	for (size_t i = 0; i < pt->nsegs && rc == 0; i++) {
		const struct seg *sg = &pt->segs[i];

		if (sg->text != NULL)
			rc = buf_add(b, sg->text, sg->len);
		else
			rc = buf_addstr(b, lookup(vars, nvars, sg->var));
	}
	return rc;
}

/* One header line's worth of text: CR, LF and TAB become spaces, other
 * controls go. */
static char *
header_text(struct arena *a, const struct buf *b)
{
	char *s = arena_strndup(a, buf_str(b), b->len);

	for (char *c = s; *c; c++)
		if (*c == '\r' || *c == '\n' || *c == '\t')
			*c = ' ';
	str_strip_ctl(s);
	return str_trim(s);
}

int
template_render(struct template_result *out, struct arena *a,
    const struct template *t, const struct template_var *vars, size_t nvars,
    struct gc_err *err)
{
	struct buf b = BUF_INIT(TEMPLATE_MAX_OUTPUT);
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = render_part(&b, &t->subject, vars, nvars)) != 0)
		goto limit;
	out->subject = header_text(a, &b);
	out->headers = arena_alloc(a, (t->nheaders + 1) *
	    sizeof(*out->headers));
	for (size_t i = 0; i < t->nheaders; i++) {
		buf_reset(&b);
		if ((rc = render_part(&b, &t->headers[i].value, vars,
		    nvars)) != 0)
			goto limit;
		out->headers[i].name = t->headers[i].name;
		out->headers[i].value = header_text(a, &b);
	}
	out->nheaders = t->nheaders;
	buf_reset(&b);
	if ((rc = render_part(&b, &t->body, vars, nvars)) != 0)
		goto limit;
	out->body = arena_strndup(a, buf_str(&b), b.len);
	buf_free(&b);
	return 0;
limit:
	buf_free(&b);
	return gc_err_set(err, GC_ELIMIT, "rendered template larger than %d "
	    "bytes", TEMPLATE_MAX_OUTPUT);
}

/* ----- Loading ---------------------------------------------------- */

static bool
lang_ok(const char *lang)
{
	size_t n = lang ? strlen(lang) : 0;

	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((lang[i] >= 'a' && lang[i] <= 'z') ||
		    (lang[i] >= 'A' && lang[i] <= 'Z') || lang[i] == '-' ||
		    lang[i] == '_'))
			return false;
	return true;
}

int
template_load(struct template **out, const char *dir, const char *lang,
    const char *name, struct gc_err *err)
{
	const char *const *vars = template_vars(name);
	const struct embedded_file *ef;
	char *path, *text = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if (vars == NULL)
		return gc_err_set(err, GC_EINVAL, "unknown template %s",
		    name ? name : "(null)");
	if (!lang_ok(lang))
		return gc_err_set(err, GC_EINVAL, "bad template language %s",
		    lang ? lang : "(null)");
	if (dir != NULL) {
		path = xasprintf("%s/%s/%s.txt", dir, lang, name);
		rc = file_read(&text, &len, path, TEMPLATE_MAX_SIZE, err);
		if (rc == 0)
			rc = template_parse(out, path, text, len, vars, err);
		free(text);
		free(path);
		if (rc != GC_ENOTFOUND)
			return rc;
		gc_err_clear(err);
	}
	path = xasprintf("conf/templates/%s/%s.txt", lang, name);
	ef = embedded_find(path);
	if (ef == NULL) {
		rc = gc_err_set(err, GC_ENOTFOUND, "no template %s/%s", lang,
		    name);
	} else {
		rc = template_parse(out, path, ef->data, ef->len, vars, err);
	}
	free(path);
	return rc;
}
