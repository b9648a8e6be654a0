/*
 * dynlib.h - a shared library opened when first needed
 *
 * Every command of the one `guichet` binary used to load, before main(),
 * each library any command needs: libcurl, libxml2 and libsystemd with
 * ICU, GnuTLS, LDAP, zstd and the rest they bring, some 20 objects
 * mapped and relocated for a `ticket search` that uses none of them.
 * That start-up was most of the CPU of a short command (and of every
 * mail an MTA pipes to `ingest`). The libraries that only some commands
 * use are opened with dlopen() by the first caller instead, through a
 * table of their functions filled here (parsers/xml_dyn.h,
 * notify/curl_dyn.h, daemon/sd_dyn.h); the daemon opens them all when it
 * starts, so that a missing one stops it at once with a clear message
 * rather than on the first mail.
 *
 * dynlib_load() opens the object by its SONAME (the one the build was
 * linked against; see CMakeLists.txt) and resolves every symbol of a
 * table, or nothing: a table is complete or its library is not used.
 * Tables are filled once and never closed.
 */
#ifndef GC_DYNLIB_H
#define GC_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

#include "common/err.h"

/* One symbol to resolve: its name and where its address goes. */
struct dynlib_sym {
	const char *name;
	void **slot;
};

/* A library and its table, opened once by whichever thread comes first. */
struct dynlib {
	const char *soname;
	const struct dynlib_sym *syms;
	size_t n;
	pthread_mutex_t lock;
	int state;                 /* 0 not tried, 1 open, -1 failed */
	struct gc_err err;         /* why it failed */
};

#define DYNLIB_INIT(soname, syms) { (soname), (syms), \
	sizeof(syms) / sizeof((syms)[0]), PTHREAD_MUTEX_INITIALIZER, 0, \
	{ 0, "" } }

/* Open the library and fill its table, once; 0, or GC_ECONFIG with the
 * reason (the same on every later call). */
int dynlib_load(struct dynlib *lib, struct gc_err *err);

/* The two functions of a table struct NAME, filled from SYMS out of
 * SONAME, as each *_dyn.h declares them:
 *   int NAME_load(struct gc_err *err)  - dynlib_load()
 *   const struct NAME *NAME(void)      - the table, after dynlib_need()
 * Written once here for every table; used at file scope, without a
 * semicolon after it. */
#define DYNLIB_TABLE(NAME, SONAME, SYMS, TABLE)                       \
	static struct dynlib NAME##_lib = DYNLIB_INIT(SONAME, SYMS);  \
	int NAME##_load(struct gc_err *err)                           \
	{                                                              \
		return dynlib_load(&NAME##_lib, err);                  \
	}                                                              \
	const struct NAME *NAME(void)                                  \
	{                                                              \
		dynlib_need(&NAME##_lib);                              \
		return &TABLE;                                         \
	}

/* The exit code of dynlib_need() (EX_UNAVAILABLE unless set): `ingest`
 * sets EX_TEMPFAIL, so that the MTA keeps the mail and tries again. */
void dynlib_set_exit(int code);

/* dynlib_load(), or say why not on stderr and exit (dynlib_set_exit()):
 * for a first use deep inside a command, where no error path leads back
 * (the daemon opens its libraries when it starts). */
void dynlib_need(struct dynlib *lib);

#endif
