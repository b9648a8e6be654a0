/*
 * mhd_dyn.h - libmicrohttpd, opened when the HTTP listener starts
 *
 * Only `serve` with [http] listens, so libmicrohttpd is not linked into
 * every command but opened when the listener starts (see
 * common/dynlib.h). http.c calls MHD_start_daemon() and the others as it
 * would the library's: the names stand for the functions of the table
 * that mhd_dyn() fills on first use; http_start() opens it first and
 * reports a missing library as its error.
 */
#ifndef GC_DAEMON_MHD_DYN_H
#define GC_DAEMON_MHD_DYN_H

#include <microhttpd.h>

#include "common/err.h"

struct mhd_dyn {
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_create_response_from_buffer)
	    *create_response_from_buffer;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
};

/* Open libmicrohttpd once; 0, or GC_ECONFIG with the loader's reason. */
int mhd_dyn_load(struct gc_err *err);
/* The table, opened on first use; exits (EX_UNAVAILABLE) if it cannot. */
const struct mhd_dyn *mhd_dyn(void);

#define MHD_add_response_header (mhd_dyn()->add_response_header)
#define MHD_create_response_from_buffer (mhd_dyn()->create_response_from_buffer)
#define MHD_destroy_response (mhd_dyn()->destroy_response)
#define MHD_queue_response (mhd_dyn()->queue_response)
#define MHD_start_daemon (mhd_dyn()->start_daemon)
#define MHD_stop_daemon (mhd_dyn()->stop_daemon)

#endif
