/*
 * fileio.h - replace a file whole: readers see the old file or the new
 * one, never a part
 *
 * fileio_write_atomic() writes the bytes to a temporary file in the same
 * folder (so that rename() stays on one file system), fsyncs it, renames
 * it over the target and fsyncs the folder. On any failure the temporary
 * file is removed, the target is left as it was, and err says which step
 * failed on which path.
 */
#ifndef GC_COMMON_FILEIO_H
#define GC_COMMON_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

/* dir/name with the given mode (e.g. 0644). 0 or GC_EIO. */
int fileio_write_atomic(const char *dir, const char *name, const void *data,
    size_t len, mode_t mode, struct gc_err *err);

#endif
