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
static struct dynlib lib = DYNLIB_INIT(GUICHET_SONAME_MHD, syms);

int
mhd_dyn_load(struct gc_err *err)
{
	return dynlib_load(&lib, err);
}

const struct mhd_dyn *
mhd_dyn(void)
{
	dynlib_need(&lib);
	return &table;
}
