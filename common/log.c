/*
 * log.c - stderr logging (see log.h)
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level cur_level = LOG_LVL_INFO;

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

static void
vlog(const char *lvl, const char *fmt, va_list ap)
{
	char line[4096], ts[32];
	struct timespec now;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s guichet[%ld] %s: ", ts,
	    (long)getpid(), lvl);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* One write per line so that concurrent writers do not interleave;
	 * control characters from mail never reach the terminal raw. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			*p = '?';
	fprintf(stderr, "%s\n", line);
}

#define DEFINE_LOG(name, level, tag)                  \
	void name(const char *fmt, ...)               \
	{                                             \
		va_list ap;                           \
		if (cur_level > (level))              \
			return;                       \
		va_start(ap, fmt);                    \
		vlog(tag, fmt, ap);                   \
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
	vlog("fatal", fmt, ap);
	va_end(ap);
	abort();
}
