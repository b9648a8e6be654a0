/*
 * enriched.c - text/enriched and text/richtext to plain text (see
 * enriched.h)
 *
 * One pass over the input with a little state: how deep we are in
 * <param> or <comment> (text dropped) and in <nofill> (breaks kept). A
 * raw line break is only noted (pending) and written when the next
 * visible character comes, so that breaks and spaces never pile up at
 * the end or around dropped commands.
 */
#include "parsers/enriched.h"

#include <string.h>

#include "common/err.h"
#include "common/util.h"

struct out {
	struct buf b;
	size_t breaks;          /* raw line breaks not written yet */
	bool failed;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (!o->failed && buf_add(&o->b, s, n) != 0)
		o->failed = true;
}

static char
last(const struct out *o)
{
	return o->b.len > 0 ? o->b.data[o->b.len - 1] : '\n';
}

/* Drop the blanks at the end of the output's last line. */
static void
trim_line(struct out *o)
{
	while (o->b.len > 0 && (o->b.data[o->b.len - 1] == ' ' ||
	    o->b.data[o->b.len - 1] == '\t'))
		o->b.data[--o->b.len] = '\0';
}

static void
newline(struct out *o)
{
	trim_line(o);
	if (o->b.len > 0)
		put(o, "\n", 1);
}

/* Write the pending raw line breaks before visible text. */
static void
flush_breaks(struct out *o, bool richtext, bool nofill)
{
	size_t n = o->breaks;

	o->breaks = 0;
	if (n == 0)
		return;
	if (nofill) {
		while (n-- > 0)
			newline(o);
		return;
	}
	if (richtext || n == 1) {
		/* a space, unless the line is empty or ends in one */
		if (last(o) != '\n' && last(o) != ' ')
			put(o, " ", 1);
		return;
	}
	while (--n > 0)
		newline(o);
}

static bool
command_is(const char *name, size_t len, const char *what)
{
	return strlen(what) == len && str_ncasecmp(name, what, len) == 0;
}

int
enriched_to_text(char **out, struct arena *a, const char *s, size_t len,
    bool richtext, size_t max)
{
	struct out o;
	size_t i = 0, skip = 0, nofill = 0;

	*out = NULL;
	memset(&o, 0, sizeof(o));
	buf_init(&o.b, max);
	while (i < len && !o.failed) {
		const char *gt, *name;
		size_t nlen, room;
		bool end;

		if (s[i] == '\r' || s[i] == '\n') {
			if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
				i++;
			if (skip == 0)
				o.breaks++;
			i++;
			continue;
		}
		if (s[i] != '<') {
			size_t run = i;

			while (run < len && s[run] != '<' && s[run] != '\r' &&
			    s[run] != '\n')
				run++;
			if (skip == 0) {
				flush_breaks(&o, richtext, nofill > 0);
				put(&o, s + i, run - i);
			}
			i = run;
			continue;
		}
		if (i + 1 < len && s[i + 1] == '<') {
			if (skip == 0) {
				flush_breaks(&o, richtext, nofill > 0);
				put(&o, "<", 1);
			}
			i += 2;
			continue;
		}
		room = len - i - 1;
		if (room > ENRICHED_COMMAND_MAX + 1)
			room = ENRICHED_COMMAND_MAX + 1;
		gt = memchr(s + i + 1, '>', room);
		if (gt == NULL) {
			if (skip == 0) {
				flush_breaks(&o, richtext, nofill > 0);
				put(&o, "<", 1);
			}
			i++;
			continue;
		}
		name = s + i + 1;
		end = name < gt && name[0] == '/';
		if (end)
			name++;
		nlen = (size_t)(gt - name);
		i = (size_t)(gt - s) + 1;
		if (command_is(name, nlen, "param") ||
		    command_is(name, nlen, "comment")) {
			if (!end)
				skip++;
			else if (skip > 0)
				skip--;
			continue;
		}
		if (skip > 0)
			continue;
		if (command_is(name, nlen, "nofill")) {
			if (!end)
				nofill++;
			else if (nofill > 0)
				nofill--;
		} else if (!end && command_is(name, nlen, "lt")) {
			flush_breaks(&o, richtext, nofill > 0);
			put(&o, "<", 1);
		} else if (!end && (command_is(name, nlen, "nl") ||
		    command_is(name, nlen, "np"))) {
			/* an explicit break replaces the raw ones around */
			o.breaks = 0;
			trim_line(&o);
			put(&o, "\n", 1);
			if (command_is(name, nlen, "np"))
				put(&o, "\n", 1);
		}
	}
	trim_line(&o);
	while (o.b.len > 0 && o.b.data[o.b.len - 1] == '\n')
		o.b.data[--o.b.len] = '\0';
	if (o.failed) {
		buf_free(&o.b);
		return GC_ELIMIT;
	}
	{
		const char *t = buf_str(&o.b);

		while (*t == '\n')
			t++;
		*out = arena_strdup(a, t);
	}
	buf_free(&o.b);
	return 0;
}
