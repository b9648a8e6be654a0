/*
 * err.h - error codes and the caller-supplied error record
 *
 * Every fallible function returns an int: 0 on success or a negative GC_E*
 * code. Human-readable details go into a struct gc_err that the caller
 * supplies (it may be NULL when the caller does not care). A caller that
 * handles an error and drops it clears the record with gc_err_clear().
 *
 * Ownership: struct gc_err is a plain value, no allocation.
 */
#ifndef GC_ERR_H
#define GC_ERR_H

#include <stdarg.h>

enum gc_errcode {
	GC_OK = 0,
	GC_ENOMEM = -1,     /* allocation failed (normally fatal instead) */
	GC_EINVAL = -2,     /* bad argument or bad input */
	GC_EPARSE = -3,     /* input could not be parsed */
	GC_EIO = -4,        /* I/O error (file, socket) */
	GC_ETEMP = -5,      /* temporary failure: retry later (server down) */
	GC_ELIMIT = -6,     /* a configured limit was exceeded */
	GC_ENOTFOUND = -7,  /* the thing looked for does not exist */
	GC_EDUP = -8,       /* already there (duplicate) */
	GC_ETLS = -9,       /* TLS handshake or certificate verification */
	GC_EAUTH = -10,     /* authentication refused */
	GC_EPROTO = -11,    /* the peer broke the protocol */
	GC_ECONFIG = -12,   /* configuration problem */
	GC_ERETRY = -13,    /* undo the transaction and redo it carefully */
};

#define GC_ERRMSG_SIZE 512

struct gc_err {
	int code;
	char msg[GC_ERRMSG_SIZE];
};

/* Record an error; returns code so that `return gc_err_set(...)` works.
 * err may be NULL. */
int gc_err_set(struct gc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int gc_err_vset(struct gc_err *err, int code, const char *fmt, va_list ap);

/* Prefix the existing message with more context ("imap support: ..."). */
void gc_err_prefix(struct gc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void gc_err_clear(struct gc_err *err);

/* A short name of a code ("temporary failure", ...). */
const char *gc_strerror(int code);

#endif
