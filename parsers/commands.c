/*
 * commands.c - agents' #commands (see commands.h)
 */
#include "parsers/commands.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"

static const struct {
	const char *name;
	enum cmd_kind kind;
	const char *syntax;
} table[] = {
	{ "priority", CMD_PRIORITY, "#priority P1|P2|P3" },
	{ "status", CMD_STATUS, "#status open|pending|resolved|closed" },
	{ "assign", CMD_ASSIGN, "#assign NAME|me" },
	{ "internal", CMD_INTERNAL, "#internal     (the mail stays among "
	    "agents)" },
	{ "workaround", CMD_WORKAROUND, "#workaround   (a workaround was "
	    "given)" },
	{ "resolve", CMD_RESOLVE, "#resolve      (resolution mail, asks the "
	    "customer to confirm)" },
	{ "rca", CMD_RCA, "#rca          (this mail is the root-cause "
	    "analysis)" },
	{ "merge", CMD_MERGE, "#merge NUMBER (merge this ticket into "
	    "NUMBER)" },
	{ "close", CMD_CLOSE, "#close" },
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

const char *
commands_name(enum cmd_kind k)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].kind == k)
			return table[i].name;
	return "?";
}

const char *
commands_help(void)
{
	static char help[1024];

	if (help[0] == '\0') {
		size_t o = 0;

		for (size_t i = 0; i < NTABLE && o < sizeof(help); i++)
			o += (size_t)snprintf(help + o, sizeof(help) - o,
			    "  %s\n", table[i].syntax);
	}
	return help;
}

static int
fail(char *err, size_t errlen, int line, const char *l, size_t n,
    const char *why)
{
	snprintf(err, errlen, "line %d: \"%.*s\": %s", line,
	    (int)(n > 80 ? 80 : n), l, why);
	return -1;
}

static bool
is_word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '/' || c == '@' || c == '#';
}

/* One "#name [arg]" line (without its end of line). */
static int
parse_line(struct cmd *c, const char *l, size_t n, int line, char *err,
    size_t errlen)
{
	const char *p = l + 1, *e = l + n, *name = p, *arg;
	size_t namelen, arglen;
	size_t i;

	while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		p++;
	namelen = (size_t)(p - name);
	for (i = 0; i < NTABLE; i++)
		if (strlen(table[i].name) == namelen &&
		    str_ncasecmp(table[i].name, name, namelen) == 0)
			break;
	if (i == NTABLE || namelen == 0)
		return fail(err, errlen, line, l, n, "unknown command");
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	arg = p;
	while (p < e && is_word_char(*p))
		p++;
	arglen = (size_t)(p - arg);
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p != e)
		return fail(err, errlen, line, l, n, "unexpected text after "
		    "the command");
	c->kind = table[i].kind;
	c->line = line;
	c->arg[0] = '\0';
	if (arglen >= CMD_ARG_MAX)
		return fail(err, errlen, line, l, n, "argument too long");
	memcpy(c->arg, arg, arglen);
	c->arg[arglen] = '\0';
	switch (c->kind) {
	case CMD_PRIORITY:
		if (arglen != 2 || (arg[0] != 'P' && arg[0] != 'p') ||
		    arg[1] < '1' || arg[1] > '3')
			return fail(err, errlen, line, l, n, "expected "
			    "#priority P1, P2 or P3");
		c->arg[0] = 'P';
		return 0;
	case CMD_STATUS: {
		static const char *const st[] = { "open", "pending",
			"resolved", "closed", NULL };

		str_tolower(c->arg);
		for (const char *const *s = st; *s; s++)
			if (strcmp(*s, c->arg) == 0)
				return 0;
		return fail(err, errlen, line, l, n, "expected #status open, "
		    "pending, resolved or closed");
	}
	case CMD_ASSIGN:
		if (arglen == 0)
			return fail(err, errlen, line, l, n, "expected #assign "
			    "NAME or #assign me");
		return 0;
	case CMD_MERGE:
		if (arglen == 0)
			return fail(err, errlen, line, l, n, "expected #merge "
			    "NUMBER");
		return 0;
	default:
		if (arglen != 0)
			return fail(err, errlen, line, l, n, "this command takes "
			    "no argument");
		return 0;
	}
}

int
commands_parse(struct cmd_list *out, const char *text, char *err,
    size_t errlen)
{
	const char *p = text;
	int line = 0;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *l = p, *nl = strchr(p, '\n'), *s;
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		line++;
		for (s = l; s < l + n && (*s == ' ' || *s == '\t' ||
		    *s == '\r'); s++)
			;
		if (s == l + n) {           /* blank */
			p = nl ? nl + 1 : l + n;
			continue;
		}
		if (*s != '#')
			break;
		if (out->n == CMD_MAX)
			return fail(err, errlen, line, s, n - (size_t)(s - l),
			    "too many commands");
		if (parse_line(&out->v[out->n], s, n - (size_t)(s - l), line,
		    err, errlen) != 0)
			return -1;
		out->n++;
		p = nl ? nl + 1 : l + n;
		out->body_offset = (size_t)(p - text);
	}
	if (out->n == 0)
		out->body_offset = 0;
	return 0;
}
