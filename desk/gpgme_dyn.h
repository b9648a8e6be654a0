/*
 * gpgme_dyn.h - GPGME, opened when the security channel is first used
 *
 * Only a configured [pgp] channel needs GPGME and libassuan, so they are
 * not linked into every command but opened by the first caller (see
 * common/dynlib.h). pgp.c calls gpgme_new(), gpgme_op_decrypt() and the
 * others as it would the library's: the names stand for the functions of
 * the table that gpgme_dyn() fills on first use (it exits with a clear
 * message when the library cannot be opened; the config check at start,
 * pgp_prepare(), opens it first when [pgp] is set). gpgme_error() and
 * gpgme_err_code() are inline in gpgme.h and need nothing from it.
 */
#ifndef GC_DESK_GPGME_DYN_H
#define GC_DESK_GPGME_DYN_H

#include <gpgme.h>

#include "common/err.h"

struct gpgme_dyn {
	__typeof__(gpgme_check_version_internal) *check_version_internal;
	__typeof__(gpgme_set_locale) *set_locale;
	__typeof__(gpgme_new) *new;
	__typeof__(gpgme_release) *release;
	__typeof__(gpgme_set_protocol) *set_protocol;
	__typeof__(gpgme_set_pinentry_mode) *set_pinentry_mode;
	__typeof__(gpgme_set_passphrase_cb) *set_passphrase_cb;
	__typeof__(gpgme_ctx_set_engine_info) *ctx_set_engine_info;
	__typeof__(gpgme_data_new_from_mem) *data_new_from_mem;
	__typeof__(gpgme_data_new_from_file) *data_new_from_file;
	__typeof__(gpgme_data_new_from_cbs) *data_new_from_cbs;
	__typeof__(gpgme_data_release) *data_release;
	__typeof__(gpgme_op_import) *op_import;
	__typeof__(gpgme_op_import_result) *op_import_result;
	__typeof__(gpgme_op_decrypt) *op_decrypt;
	__typeof__(gpgme_op_decrypt_result) *op_decrypt_result;
	__typeof__(gpgme_get_key) *get_key;
	__typeof__(gpgme_key_unref) *key_unref;
	__typeof__(gpgme_strerror) *strerror;
	__typeof__(gpgme_op_encrypt) *op_encrypt;
	__typeof__(gpgme_data_new) *data_new;
	__typeof__(gpgme_data_release_and_get_mem) *data_release_and_get_mem;
	__typeof__(gpgme_free) *free;
};

/* Open GPGME once; 0, or GC_ECONFIG with the loader's reason. */
int gpgme_dyn_load(struct gc_err *err);
/* The table, opened on first use; exits (EX_UNAVAILABLE) if it cannot. */
const struct gpgme_dyn *gpgme_dyn(void);

#define gpgme_check_version_internal (gpgme_dyn()->check_version_internal)
#define gpgme_set_locale (gpgme_dyn()->set_locale)
#define gpgme_new (gpgme_dyn()->new)
#define gpgme_release (gpgme_dyn()->release)
#define gpgme_set_protocol (gpgme_dyn()->set_protocol)
#define gpgme_set_pinentry_mode (gpgme_dyn()->set_pinentry_mode)
#define gpgme_set_passphrase_cb (gpgme_dyn()->set_passphrase_cb)
#define gpgme_ctx_set_engine_info (gpgme_dyn()->ctx_set_engine_info)
#define gpgme_data_new_from_mem (gpgme_dyn()->data_new_from_mem)
#define gpgme_data_new_from_file (gpgme_dyn()->data_new_from_file)
#define gpgme_data_new_from_cbs (gpgme_dyn()->data_new_from_cbs)
#define gpgme_data_release (gpgme_dyn()->data_release)
#define gpgme_op_import (gpgme_dyn()->op_import)
#define gpgme_op_import_result (gpgme_dyn()->op_import_result)
#define gpgme_op_decrypt (gpgme_dyn()->op_decrypt)
#define gpgme_op_decrypt_result (gpgme_dyn()->op_decrypt_result)
#define gpgme_get_key (gpgme_dyn()->get_key)
#define gpgme_key_unref (gpgme_dyn()->key_unref)
#define gpgme_strerror (gpgme_dyn()->strerror)
#define gpgme_op_encrypt (gpgme_dyn()->op_encrypt)
#define gpgme_data_new (gpgme_dyn()->data_new)
#define gpgme_data_release_and_get_mem (gpgme_dyn()->data_release_and_get_mem)
#define gpgme_free (gpgme_dyn()->free)

#endif
