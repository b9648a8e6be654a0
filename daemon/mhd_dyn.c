/*
 * mhd_dyn.c - libmicrohttpd, opened when first needed (see mhd_dyn.h)
 */
#include "daemon/mhd_dyn.h"

#include "common/dynlib.h"

static struct mhd_dyn table;
static const struct dynlib_sym syms[] = {
	{ "MHD_add_response_header", (void **)&table.add_response_header },
	{ "MHD_create_response_from_buffer",
	    (void **)&table.create_response_from_buffer },
	{ "MHD_destroy_response", (void **)&table.destroy_response },
	{ "MHD_queue_response", (void **)&table.queue_response },
	{ "MHD_start_daemon", (void **)&table.start_daemon },
	{ "MHD_stop_daemon", (void **)&table.stop_daemon },
};
DYNLIB_TABLE(mhd_dyn, GUICHET_SONAME_MHD, syms, table)
