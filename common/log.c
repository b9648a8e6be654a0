/*
 * log.c - stderr logging (see log.h)
 *
 * Each line is built whole in a buffer and written with one write(2),
 * so that the lines of several processes sharing stderr never mix.
 */
#include "log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

#define LOG_LINE_MAX    4096     /* bytes of a message */
#define LOG_FIELD_MAX   256      /* bytes of a field */

static enum log_level cur_level = LOG_LVL_INFO;
static enum log_format cur_format = LOG_FMT_TEXT;
static int journal = -1;         /* stderr is the journal: unknown yet */

static struct {
	char mailbox[LOG_FIELD_MAX];
	char message_id[LOG_FIELD_MAX];
	char ticket[LOG_FIELD_MAX];
	char outcome[LOG_FIELD_MAX];
	uint32_t uid;
} fields;

void
log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	static const char *names[] = { "debug", "info", "warn", "error" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_set_format(enum log_format fmt)
{
	cur_format = fmt;
}

int
log_format_parse(const char *s, enum log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = LOG_FMT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = LOG_FMT_JSON;
	else
		return -1;
	return 0;
}

static void
field_set(char *dst, const char *src)
{
	snprintf(dst, LOG_FIELD_MAX, "%s", src ? src : "");
}

void
log_set_fields(const struct log_fields *f)
{
	static const struct log_fields none;

	if (f == NULL)
		f = &none;
	field_set(fields.mailbox, f->mailbox);
	field_set(fields.message_id, f->message_id);
	field_set(fields.ticket, f->ticket);
	field_set(fields.outcome, f->outcome);
	fields.uid = f->uid;
}

/* Whether stderr is the stream systemd gave us to the journal: it sets
 * JOURNAL_STREAM to "device:inode" of that stream, which a child with
 * its stderr elsewhere inherits too, hence the comparison. */
static bool
to_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (journal >= 0)
		return journal;
	journal = v != NULL &&
	    sscanf(v, "%llu:%llu%c", &dev, &ino, &end) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
	return journal;
}

/* ----- The line ------------------------------------------------- */

struct line {
	/* every byte escaped as \u00XX at worst */
	char buf[6 * (LOG_LINE_MAX + 4 * LOG_FIELD_MAX) + 256];
	size_t len;
};

static void
put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->buf) - 2 - l->len)
		n = sizeof(l->buf) - 2 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* s as a JSON string: quotes, backslashes and control characters
 * escaped, bytes that are not UTF-8 replaced by U+FFFD. */
static void
put_json_string(struct line *l, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	puts_(l, "\"");
	while (n > 0) {
		size_t k = utf8_decode(NULL, p, n);
		char esc[8];

		if (k == 0) {
			puts_(l, "\\ufffd");
			k = 1;
		} else if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			puts_(l, esc);
		} else {
			put(l, (const char *)p, k);
		}
		p += k;
		n -= k;
	}
	puts_(l, "\"");
}

static void
put_json_field(struct line *l, const char *name, const char *v)
{
	puts_(l, ",\"");
	puts_(l, name);
	puts_(l, "\":");
	if (v[0] == '\0')
		puts_(l, "null");
	else
		put_json_string(l, v);
}

static void
vlog(enum log_level lvl, const char *tag, const char *fmt, va_list ap)
{
	static const char prio[] = { '7', '6', '4', '3' };
	char msg[LOG_LINE_MAX], ts[32], num[48];
	struct line l = { .len = 0 };
	struct timespec now;
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	if (cur_format == LOG_FMT_JSON) {
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(num, sizeof(num), ".%03ldZ",
		    (long)(now.tv_nsec / 1000000));
		puts_(&l, "{\"time\":\"");
		puts_(&l, ts);
		puts_(&l, num);
		puts_(&l, "\",\"level\":\"");
		puts_(&l, tag);
		snprintf(num, sizeof(num), "\",\"pid\":%ld", (long)getpid());
		puts_(&l, num);
		put_json_field(&l, "mailbox", fields.mailbox);
		if (fields.uid != 0) {
			snprintf(num, sizeof(num), ",\"uid\":%lu",
			    (unsigned long)fields.uid);
			puts_(&l, num);
		} else {
			puts_(&l, ",\"uid\":null");
		}
		put_json_field(&l, "message_id", fields.message_id);
		put_json_field(&l, "ticket", fields.ticket);
		put_json_field(&l, "outcome", fields.outcome);
		puts_(&l, ",\"message\":");
		put_json_string(&l, msg);
		puts_(&l, "}");
	} else {
		if (to_journal()) {
			snprintf(num, sizeof(num), "<%c>", prio[lvl]);
			puts_(&l, num);
		} else {
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
			snprintf(num, sizeof(num), " guichet[%ld] ",
			    (long)getpid());
			puts_(&l, ts);
			puts_(&l, num);
		}
		puts_(&l, tag);
		puts_(&l, ": ");
		/* control characters from mail never reach the terminal
		 * raw */
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t')
				*p = '?';
		puts_(&l, msg);
	}
	l.buf[l.len++] = '\n';
	(void)!write(STDERR_FILENO, l.buf, l.len);
}

#define DEFINE_LOG(name, level, tag)                  \
	void name(const char *fmt, ...)               \
	{                                             \
		va_list ap;                           \
		if (cur_level > (level))              \
			return;                       \
		va_start(ap, fmt);                    \
		vlog(level, tag, fmt, ap);            \
		va_end(ap);                           \
	}

DEFINE_LOG(log_debug, LOG_LVL_DEBUG, "debug")
DEFINE_LOG(log_info, LOG_LVL_INFO, "info")
DEFINE_LOG(log_warn, LOG_LVL_WARN, "warning")
DEFINE_LOG(log_error, LOG_LVL_ERROR, "error")

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, "fatal", fmt, ap);
	va_end(ap);
	abort();
}
