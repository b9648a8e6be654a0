/*
 * fileio.c - replace a file whole (see fileio.h)
 */
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/mem.h"
#include "common/util.h"

int
fileio_write_atomic(const char *dir, const char *name, const void *data,
    size_t len, mode_t mode, struct gc_err *err)
{
	char *tmp = xasprintf("%s/.%s.XXXXXX", dir, name);
	char *path = xasprintf("%s/%s", dir, name);
	const char *step = "create";
	int fd, dfd, rc = 0;

	if ((fd = mkstemp(tmp)) < 0) {
		rc = gc_err_set(err, GC_EIO, "%s: cannot create a file in "
		    "this folder: %s", dir, strerror(errno));
		goto out;
	}
	if (fd_write_all(fd, data, len) != 0) {
		step = "write";
		goto fail;
	}
	step = "fsync";
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto fail;
	step = "close";
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	step = "rename";
	if (rename(tmp, path) != 0)
		goto fail;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	goto out;
fail:
	rc = gc_err_set(err, GC_EIO, "%s: %s failed: %s", path, step,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(tmp);
	free(path);
	return rc;
}
