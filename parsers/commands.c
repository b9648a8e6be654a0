/*
 * commands.c - agents' #commands (see commands.h)
 */
#include "parsers/commands.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

static const struct {
	const char *name;
	enum cmd_kind kind;
	const char *syntax;
	const char *syntax_fr;    /* the same line for a French reader */
} table[] = {
	{ "priority", CMD_PRIORITY, "#priority P1|P2|P3",
	    "#priority P1|P2|P3" },
	{ "status", CMD_STATUS, "#status open|pending|resolved|closed",
	    "#status open|pending|resolved|closed" },
	{ "assign", CMD_ASSIGN, "#assign NAME|me",
	    "#assign NOM|me" },
	{ "internal", CMD_INTERNAL, "#internal     (the mail stays among "
	    "agents)",
	    "#internal     (le mail reste entre agents)" },
	{ "workaround", CMD_WORKAROUND, "#workaround   (a workaround was "
	    "given)",
	    "#workaround   (un contournement a \u00e9t\u00e9 donn\u00e9)" },
	{ "resolve", CMD_RESOLVE, "#resolve      (resolution mail, asks the "
	    "customer to confirm)",
	    "#resolve      (mail de r\u00e9solution, qui demande au client "
	    "de confirmer)" },
	{ "rca", CMD_RCA, "#rca          (this mail is the root-cause "
	    "analysis)",
	    "#rca          (ce mail est l'analyse des causes)" },
	{ "merge", CMD_MERGE, "#merge NUMBER (merge this ticket into "
	    "NUMBER)",
	    "#merge NUM\u00c9RO (fusionne ce ticket dans NUM\u00c9RO)" },
	{ "close", CMD_CLOSE, "#close",
	    "#close" },
	{ "cc", CMD_CC, "#cc ADDRESS   (a participant in copy of our mails)",
	    "#cc ADRESSE   (un participant en copie de nos mails)" },
	{ "uncc", CMD_UNCC, "#uncc ADDRESS (no longer in copy)",
	    "#uncc ADRESSE (n'est plus en copie)" },
	{ "queue", CMD_QUEUE, "#queue NAME   (move to that queue)",
	    "#queue NOM    (le passe dans cette file)" },
	{ "tag", CMD_TAG, "#tag WORD",
	    "#tag MOT" },
	{ "untag", CMD_UNTAG, "#untag WORD",
	    "#untag MOT" },
	{ "split", CMD_SPLIT, "#split        (the customer mail quoted becomes "
	    "a new ticket)",
	    "#split        (le mail du client cit\u00e9 devient un nouveau "
	    "ticket)" },
	{ "eta", CMD_ETA, "#eta YYYY-MM-DD HH:MM (when the customer can "
	    "expect a solution)",
	    "#eta AAAA-MM-JJ HH:MM (quand le client peut attendre une "
	    "solution)" },
	{ "reply", CMD_REPLY, "#reply NAME   (send the canned reply NAME)",
	    "#reply NOM    (envoie la r\u00e9ponse type NOM)" },
	{ "help", CMD_HELP, "#help         (this list; nothing is applied)",
	    "#help         (cette liste ; rien n'est appliqu\u00e9)" },
	{ "incident", CMD_INCIDENT, "#incident [COMPONENT,...] TITLE (open "
	    "an incident on the status page)",
	    "#incident [COMPOSANT,...] TITRE (ouvre un incident sur la page "
	    "d'\u00e9tat)" },
	{ "incident-update", CMD_INCIDENT_UPDATE, "#incident-update TEXT "
	    "(publish an update; with #eta, the expected end)",
	    "#incident-update TEXTE (publie une mise \u00e0 jour ; avec "
	    "#eta, la fin pr\u00e9vue)" },
	{ "incident-resolved", CMD_INCIDENT_RESOLVED, "#incident-resolved "
	    "[TEXT] (the incident is over)",
	    "#incident-resolved [TEXTE] (l'incident est termin\u00e9)" },
	{ "remind", CMD_REMIND, "#remind WHEN  (a mail to you then: "
	    "YYYY-MM-DD HH:MM, 3d, 4h, 90m, 1w; none cancels)",
	    "#remind QUAND (un mail pour vous \u00e0 ce moment : AAAA-MM-JJ "
	    "HH:MM, 3d, 4h, 90m, 1w ; none l'annule)" },
	{ "spam", CMD_SPAM, "#spam         (alone: closed without a word to "
	    "the sender, whose next new mails are held)",
	    "#spam         (seul : clos sans un mot \u00e0 l'exp\u00e9diteur, "
	    "dont les nouveaux mails sont ensuite retenus)" },
	{ "time", CMD_TIME, "#time SPENT   (time worked on it: 45m, 2h, "
	    "1h30, 1:30; -15m corrects yours)",
	    "#time DUR\u00c9E   (temps pass\u00e9 dessus : 45m, 2h, 1h30, "
	    "1:30 ; -15m corrige le v\u00f4tre)" },
	{ "send", CMD_SEND, "#send         (alone: your answer held because "
	    "another agent answered first goes as it was)",
	    "#send         (seul : votre r\u00e9ponse, retenue parce qu'un "
	    "autre agent a r\u00e9pondu avant, part telle quelle)" },
	{ "language", CMD_LANGUAGE, "#language fr|en (the customer's language:"
	    " our mails to them from this one on)",
	    "#language fr|en (la langue du client : nos mails \u00e0 partir "
	    "de celui-ci)" },
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
commands_help_in(const char *lang)
{
	static char help[2][4096];
	int fr = lang != NULL && strcmp(lang, "fr") == 0;

	if (help[fr][0] == '\0') {
		size_t o = 0;

		for (size_t i = 0; i < NTABLE && o < sizeof(help[fr]); i++)
			o += (size_t)snprintf(help[fr] + o,
			    sizeof(help[fr]) - o, "  %s\n", fr ?
			    table[i].syntax_fr : table[i].syntax);
	}
	return help[fr];
}

const char *
commands_help(void)
{
	return commands_help_in("en");
}

void
commands_why(char *err, size_t errlen, bool fr, int line, const char *s,
    size_t n, const char *why, const char *why_fr)
{
	snprintf(err, errlen, fr ? "ligne %d : \u00ab %.*s \u00bb : %s" :
	    "line %d: \"%.*s\": %s", line, (int)n, s, fr ? why_fr : why);
}

/* err: the line, its first 80 bytes and why (why_fr in French: fr). */
static int
fail(char *err, size_t errlen, bool fr, int line, const char *l, size_t n,
    const char *why, const char *why_fr)
{
	commands_why(err, errlen, fr, line, l, n > 80 ? 80 : n, why, why_fr);
	return -1;
}

static bool
is_word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '/' || c == '@' || c == '#' || c == ':';
}

/* A queue, a tag, a canned reply's name: letters, digits and the extra
 * characters allowed, at most CMD_WORD_MAX - 1 bytes. */
static bool
is_word(const char *s, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CMD_WORD_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr(extra, *s) != NULL))
			return false;
	return true;
}

/* n decimal digits at *p, advancing it; -1 if not there. */
static int
digits(const char **p, const char *e, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (*p >= e || **p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static int
days_in(int year, int mon)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : d[mon - 1];
}

/* "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|+HHMM]":
 * the fields in range, nothing after. */
/* "90m", "4h", "3d", "1w": 1 to CMD_REMIND_MAX seconds. */
static bool
parse_delay(long long *out, const char *s)
{
	size_t n = strspn(s, "0123456789");
	long long v = 0, unit;

	if (n == 0 || n > 6 || s[n] == '\0' || s[n + 1] != '\0')
		return false;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	switch (s[n]) {
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return false;
	}
	if (v == 0 || v > CMD_REMIND_MAX / unit)
		return false;
	*out = v * unit;
	return true;
}

/* The digits at *p as a number, advancing it: at most max_digits of
 * them, at least one; -1 if not. */
static int
number(const char **p, int max_digits)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > max_digits)
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	return n == 0 ? -1 : v;
}

/* A #time: "45m", "45min", "2h", "1h30", "1h30m", "1:30", each with an
 * optional "-" before it (lower case already): 1 to CMD_TIME_MAX
 * minutes either way. */
static bool
parse_minutes(int *out, const char *s)
{
	int sign = 1, h = 0, m = 0;

	if (*s == '-') {
		sign = -1;
		s++;
	}
	if ((m = number(&s, 5)) < 0)
		return false;
	if (*s == 'h' || *s == ':') {
		bool colon = *s++ == ':';

		h = m;
		m = 0;
		if (*s >= '0' && *s <= '9') {
			const char *b = s;

			if ((m = number(&s, 2)) < 0 || m > 59 ||
			    (colon && s - b != 2))
				return false;
			if (!colon && *s == 'm')
				s += strncmp(s, "min", 3) == 0 ? 3 : 1;
		} else if (colon) {
			return false;
		}
	} else if (strcmp(s, "m") == 0 || strcmp(s, "min") == 0) {
		s += strlen(s);
	} else {
		return false;
	}
	if (*s != '\0' || h > CMD_TIME_MAX / 60)
		return false;
	m += h * 60;
	if (m == 0 || m > CMD_TIME_MAX)
		return false;
	*out = sign * m;
	return true;
}

static bool
parse_time(struct cmd_time *t, const char *p, const char *e)
{
	int oh, om, sign;

	memset(t, 0, sizeof(*t));
	if ((t->year = digits(&p, e, 4)) < 0 || p >= e || *p++ != '-' ||
	    (t->mon = digits(&p, e, 2)) < 1 || t->mon > 12 || p >= e ||
	    *p++ != '-' || (t->day = digits(&p, e, 2)) < 1 ||
	    t->day > days_in(t->year, t->mon) || p >= e ||
	    (*p != ' ' && *p != 'T' && *p != 't'))
		return false;
	p++;
	if ((t->hour = digits(&p, e, 2)) < 0 || t->hour > 23 || p >= e ||
	    *p++ != ':' || (t->min = digits(&p, e, 2)) < 0 || t->min > 59)
		return false;
	if (p < e && *p == ':') {
		p++;
		if ((t->sec = digits(&p, e, 2)) < 0 || t->sec > 59)
			return false;
	}
	if (p == e)
		return true;
	if (*p == 'Z' || *p == 'z') {
		t->has_offset = true;
		return p + 1 == e;
	}
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if ((oh = digits(&p, e, 2)) < 0 || oh > 14)
		return false;
	if (p < e && *p == ':')
		p++;
	if ((om = digits(&p, e, 2)) < 0 || om > 59 || p != e)
		return false;
	t->has_offset = true;
	t->offset_min = sign * (oh * 60 + om);
	return true;
}

/* An #incident command: the rest of the line is its text, kept where it
 * is; only #incident-resolved may go without. */
static int
text_line(struct cmd *c, enum cmd_kind kind, const char *p, const char *e,
    const char *l, size_t n, int line, bool fr, char *err, size_t errlen)
{
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->line = line;
	c->text = p;
	c->textlen = (size_t)(e - p);
	if (c->textlen == 0 && kind != CMD_INCIDENT_RESOLVED)
		return fail(err, errlen, fr, line, l, n, kind == CMD_INCIDENT ?
		    "expected #incident TITLE" : "expected #incident-update "
		    "TEXT", kind == CMD_INCIDENT ? "attendu : #incident TITRE" :
		    "attendu : #incident-update TEXTE");
	if (c->textlen > CMD_TEXT_MAX) {
		char why[80], why_fr[80];

		snprintf(why, sizeof(why), "the text is longer than %d bytes",
		    CMD_TEXT_MAX);
		snprintf(why_fr, sizeof(why_fr), "le texte d\u00e9passe %d "
		    "octets", CMD_TEXT_MAX);
		return fail(err, errlen, fr, line, l, n, why, why_fr);
	}
	return 0;
}

/* One "#name [arg]" line (without its end of line). */
static int
parse_line(struct cmd *c, const char *l, size_t n, int line, bool fr,
    char *err, size_t errlen)
{
	const char *p = l + 1, *e = l + n, *name = p, *arg;
	size_t namelen, arglen;
	size_t i;

	while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p == '-' && p > name)))
		p++;
	namelen = (size_t)(p - name);
	for (i = 0; i < NTABLE; i++)
		if (strlen(table[i].name) == namelen &&
		    str_ncasecmp(table[i].name, name, namelen) == 0)
			break;
	if (i == NTABLE || namelen == 0)
		return fail(err, errlen, fr, line, l, n, "unknown command",
		    "commande inconnue");
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	arg = p;
	if (table[i].kind == CMD_INCIDENT ||
	    table[i].kind == CMD_INCIDENT_UPDATE ||
	    table[i].kind == CMD_INCIDENT_RESOLVED)
		return text_line(c, table[i].kind, arg, e, l, n, line, fr, err,
		    errlen);
	if (table[i].kind == CMD_ETA || table[i].kind == CMD_REMIND) {
		/* the rest of the line: a date, a space, a time */
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' ||
		    e[-1] == '\r'))
			e--;
		p = e;
	} else if (table[i].kind == CMD_CC || table[i].kind == CMD_UNCC) {
		while (p < e && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
	} else {
		while (p < e && is_word_char(*p))
			p++;
	}
	arglen = (size_t)(p - arg);
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p != e)
		return fail(err, errlen, fr, line, l, n, "unexpected text "
		    "after the command", "texte inattendu apr\u00e8s la "
		    "commande");
	c->kind = table[i].kind;
	c->line = line;
	c->arg[0] = '\0';
	if (arglen >= CMD_ARG_MAX)
		return fail(err, errlen, fr, line, l, n, "argument too long",
		    "argument trop long");
	memcpy(c->arg, arg, arglen);
	c->arg[arglen] = '\0';
	switch (c->kind) {
	case CMD_LANGUAGE:
		str_tolower(c->arg);
		if (strcmp(c->arg, "fr") != 0 && strcmp(c->arg, "en") != 0)
			return fail(err, errlen, fr, line, l, n, "expected "
			    "#language fr or en", "attendu : #language fr ou "
			    "en");
		return 0;
	case CMD_PRIORITY:
		if (arglen != 2 || (arg[0] != 'P' && arg[0] != 'p') ||
		    arg[1] < '1' || arg[1] > '3')
			return fail(err, errlen, fr, line, l, n, "expected "
			    "#priority P1, P2 or P3", "attendu : #priority P1, "
			    "P2 ou P3");
		c->arg[0] = 'P';
		return 0;
	case CMD_STATUS: {
		static const char *const st[] = { "open", "pending",
			"resolved", "closed", NULL };

		str_tolower(c->arg);
		for (const char *const *s = st; *s; s++)
			if (strcmp(*s, c->arg) == 0)
				return 0;
		return fail(err, errlen, fr, line, l, n, "expected #status "
		    "open, pending, resolved or closed", "attendu : #status "
		    "open, pending, resolved ou closed");
	}
	case CMD_ASSIGN:
		if (arglen == 0)
			return fail(err, errlen, fr, line, l, n, "expected "
			    "#assign NAME or #assign me", "attendu : #assign "
			    "NOM ou #assign me");
		return 0;
	case CMD_MERGE:
		if (arglen == 0)
			return fail(err, errlen, fr, line, l, n, "expected "
			    "#merge NUMBER", "attendu : #merge NUM\u00c9RO");
		return 0;
	case CMD_CC:
	case CMD_UNCC: {
		const char *at;
		size_t len = arglen;

		if (len >= 2 && c->arg[0] == '<' && c->arg[len - 1] == '>') {
			memmove(c->arg, c->arg + 1, len - 2);
			c->arg[len -= 2] = '\0';
		}
		at = strchr(c->arg, '@');
		if (len == 0 || at == NULL || at == c->arg || at[1] == '\0' ||
		    strchr(at + 1, '@') != NULL)
			return fail(err, errlen, fr, line, l, n,
			    c->kind == CMD_CC ? "expected #cc ADDRESS" :
			    "expected #uncc ADDRESS", c->kind == CMD_CC ?
			    "attendu : #cc ADRESSE" :
			    "attendu : #uncc ADRESSE");
		return 0;
	}
	case CMD_QUEUE:
		if (!is_word(c->arg, "-_."))
			return fail(err, errlen, fr, line, l, n, "expected "
			    "#queue NAME", "attendu : #queue NOM");
		return 0;
	case CMD_TAG:
	case CMD_UNTAG:
		if (!is_word(c->arg, "-_.:/"))
			return fail(err, errlen, fr, line, l, n,
			    c->kind == CMD_TAG ? "expected #tag WORD (letters, "
			    "digits, - _ . : /)" : "expected #untag WORD",
			    c->kind == CMD_TAG ? "attendu : #tag MOT (lettres, "
			    "chiffres, - _ . : /)" : "attendu : #untag MOT");
		return 0;
	case CMD_REPLY:
		/* a file name under replies/: no dot, no slash */
		if (!is_word(c->arg, "-_"))
			return fail(err, errlen, fr, line, l, n, "expected "
			    "#reply NAME (letters, digits, - and _)",
			    "attendu : #reply NOM (lettres, chiffres, - et _)");
		return 0;
	case CMD_ETA:
		if (!parse_time(&c->time, arg, arg + arglen))
			return fail(err, errlen, fr, line, l, n, "expected "
			    "#eta YYYY-MM-DD HH:MM or an ISO 8601 time",
			    "attendu : #eta AAAA-MM-JJ HH:MM ou une heure "
			    "ISO 8601");
		return 0;
	case CMD_REMIND:
		str_tolower(c->arg);
		if (strcmp(c->arg, "none") == 0 || parse_time(&c->time, arg,
		    arg + arglen) || parse_delay(&c->after, c->arg))
			return 0;
		return fail(err, errlen, fr, line, l, n, "expected #remind "
		    "YYYY-MM-DD HH:MM, a delay (90m, 4h, 3d, 1w, at most a "
		    "year) or none", "attendu : #remind AAAA-MM-JJ HH:MM, un "
		    "d\u00e9lai (90m, 4h, 3d, 1w, un an au plus) ou none");
	case CMD_TIME:
		str_tolower(c->arg);
		if (parse_minutes(&c->minutes, c->arg))
			return 0;
		return fail(err, errlen, fr, line, l, n, "expected #time 45m, "
		    "2h, 1h30 or 1:30 (at most 24h; -15m takes time back)",
		    "attendu : #time 45m, 2h, 1h30 ou 1:30 (24h au plus ; "
		    "-15m retire du temps)");
	default:
		if (arglen != 0)
			return fail(err, errlen, fr, line, l, n, "this command "
			    "takes no argument", "cette commande ne prend pas "
			    "d'argument");
		return 0;
	}
}

int
commands_parse(struct cmd_list *out, const char *text, char *err,
    size_t errlen)
{
	return commands_parse_in(out, text, "en", err, errlen);
}

int
commands_parse_in(struct cmd_list *out, const char *text, const char *lang,
    char *err, size_t errlen)
{
	bool fr = lang != NULL && strcmp(lang, "fr") == 0;
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
			return fail(err, errlen, fr, line, s,
			    n - (size_t)(s - l), "too many commands",
			    "trop de commandes");
		if (parse_line(&out->v[out->n], s, n - (size_t)(s - l), line,
		    fr, err, errlen) != 0)
			return -1;
		out->n++;
		p = nl ? nl + 1 : l + n;
		out->body_offset = (size_t)(p - text);
	}
	if (out->n == 0)
		out->body_offset = 0;
	return 0;
}
