/*
 * listen.c - listening sockets (see listen.h)
 */
#include "common/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 128

/* host:port as a socket address; false when host is not a numeric
 * address. */
static bool
tcp_addr(const char *host, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return inet_pton(AF_INET, host, &s4->sin_addr) == 1;
	}
}

int
listen_tcp(const char *what, const char *host, int port, struct gc_err *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;
	bool v6 = strchr(host, ':') != NULL;
	const char *sep = ": ";

	if (what == NULL)
		what = sep = "";
	if (!tcp_addr(host, port, &ss, &len))
		return gc_err_set(err, GC_EINVAL, "%s%s\"%s\" is not an "
		    "address", what, sep, host);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0)
		return gc_err_set(err, GC_EIO, "%s%ssocket: %s", what, sep,
		    strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, BACKLOG) != 0) {
		int e = errno;

		close(fd);
		return gc_err_set(err, GC_EIO, "%s%scannot listen on "
		    "%s%s%s:%d: %s", what, sep, v6 ? "[" : "", host,
		    v6 ? "]" : "", port, strerror(e));
	}
	return fd;
}

int
listen_tcp_connect(const char *host, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (!tcp_addr(host, port, &ss, &len))
		return -1;
	/* an address of this machine: connect() answers at once */
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
unix_connect(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa,
	    sizeof(*sa)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Whether a process accepts connections on the socket at path. */
static bool
unix_answers(const struct sockaddr_un *sa)
{
	int fd = unix_connect(sa);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* path as a socket address; false when it is too long for one. */
static bool
unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return false;
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return true;
}

int
listen_unix_connect(const char *path)
{
	struct sockaddr_un sa;

	return unix_addr(path, &sa) ? unix_connect(&sa) : -1;
}

int
listen_unix(const char *what, const char *path, unsigned mode,
    struct gc_err *err)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, e;

	if (!unix_addr(path, &sa))
		return gc_err_set(err, GC_EINVAL, "%s: the socket's path is "
		    "too long: %s", what, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return gc_err_set(err, GC_EIO, "%s: %s exists and is "
			    "not a socket; not replacing it", what, path);
		if (unix_answers(&sa))
			return gc_err_set(err, GC_EIO, "%s: another process "
			    "listens on %s", what, path);
		if (unlink(path) != 0)
			return gc_err_set(err, GC_EIO, "%s: cannot remove the "
			    "stale socket %s: %s", what, path,
			    strerror(errno));
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return gc_err_set(err, GC_EIO, "%s: socket: %s", what,
		    strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		e = errno;
		close(fd);
		return gc_err_set(err, GC_EIO, "%s: cannot listen on %s: %s",
		    what, path, strerror(e));
	}
	/* the mode before listen(): no connection between the two */
	if (chmod(path, mode) != 0 || listen(fd, BACKLOG) != 0) {
		e = errno;
		close(fd);
		(void)unlink(path);
		return gc_err_set(err, GC_EIO, "%s: cannot listen on %s: %s",
		    what, path, strerror(e));
	}
	return fd;
}
