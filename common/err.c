/*
 * err.c - error records (see err.h)
 */
#include "err.h"

#include <stdio.h>
#include <string.h>

int
gc_err_vset(struct gc_err *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int
gc_err_set(struct gc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gc_err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void
gc_err_prefix(struct gc_err *err, const char *fmt, ...)
{
	char old[GC_ERRMSG_SIZE];
	va_list ap;
	size_t len;
	int n;

	if (err == NULL)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(err->msg) - 2)
		return;
	err->msg[n++] = ':';
	err->msg[n++] = ' ';
	/* as much of the old message as fits, cut at the end */
	len = strnlen(old, sizeof(old) - 1);
	if (len > sizeof(err->msg) - (size_t)n - 1)
		len = sizeof(err->msg) - (size_t)n - 1;
	memcpy(err->msg + n, old, len);
	err->msg[(size_t)n + len] = '\0';
}

void
gc_err_clear(struct gc_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

const char *
gc_strerror(int code)
{
	switch (code) {
	case GC_OK: return "success";
	case GC_ENOMEM: return "out of memory";
	case GC_EINVAL: return "invalid input";
	case GC_EPARSE: return "parse error";
	case GC_EIO: return "I/O error";
	case GC_ETEMP: return "temporary failure";
	case GC_ELIMIT: return "limit exceeded";
	case GC_ENOTFOUND: return "not found";
	case GC_EDUP: return "duplicate";
	case GC_ETLS: return "TLS error";
	case GC_EAUTH: return "authentication failed";
	case GC_EPROTO: return "protocol error";
	case GC_ECONFIG: return "configuration error";
	case GC_ERETRY: return "retry carefully";
	}
	return "unknown error";
}
