/*
 * gpgme_dyn.c - GPGME, opened when first needed (see gpgme_dyn.h)
 */
#include "desk/gpgme_dyn.h"

#include "common/dynlib.h"

static struct gpgme_dyn table;
static const struct dynlib_sym syms[] = {
	{ "gpgme_check_version_internal",
	    (void **)&table.check_version_internal },
	{ "gpgme_set_locale", (void **)&table.set_locale },
	{ "gpgme_new", (void **)&table.new },
	{ "gpgme_release", (void **)&table.release },
	{ "gpgme_set_protocol", (void **)&table.set_protocol },
	{ "gpgme_set_pinentry_mode", (void **)&table.set_pinentry_mode },
	{ "gpgme_set_passphrase_cb", (void **)&table.set_passphrase_cb },
	{ "gpgme_ctx_set_engine_info", (void **)&table.ctx_set_engine_info },
	{ "gpgme_data_new_from_mem", (void **)&table.data_new_from_mem },
	{ "gpgme_data_new_from_file", (void **)&table.data_new_from_file },
	{ "gpgme_data_new_from_cbs", (void **)&table.data_new_from_cbs },
	{ "gpgme_data_release", (void **)&table.data_release },
	{ "gpgme_op_import", (void **)&table.op_import },
	{ "gpgme_op_import_result", (void **)&table.op_import_result },
	{ "gpgme_op_decrypt", (void **)&table.op_decrypt },
	{ "gpgme_op_decrypt_result", (void **)&table.op_decrypt_result },
	{ "gpgme_get_key", (void **)&table.get_key },
	{ "gpgme_key_unref", (void **)&table.key_unref },
	{ "gpgme_strerror", (void **)&table.strerror },
	{ "gpgme_op_encrypt", (void **)&table.op_encrypt },
	{ "gpgme_data_new", (void **)&table.data_new },
	{ "gpgme_data_release_and_get_mem",
	    (void **)&table.data_release_and_get_mem },
	{ "gpgme_free", (void **)&table.free },
};
DYNLIB_TABLE(gpgme_dyn, GUICHET_SONAME_GPGME, syms, table)
