/*
 * listen.h - listening sockets made in plain words
 *
 * The daemon's listeners (HTTP, LMTP) open their socket here, so that an
 * address in use or a folder that cannot be written is told with the
 * listener's name before anything starts. Both sockets are non-blocking
 * and close-on-exec.
 */
#ifndef GC_LISTEN_H
#define GC_LISTEN_H

#include "common/err.h"

/* host is a numeric IPv4 or IPv6 address; what names the listener in
 * messages ("http"; NULL: none). Returns the socket or a negative
 * GC_E*. */
int listen_tcp(const char *what, const char *host, int port,
    struct gc_err *err);

/* A Unix socket at path with that mode (0660). A socket left there by a
 * daemon that did not exit cleanly is replaced, unless a process still
 * answers on it (another daemon: GC_EIO); a file that is not a socket is
 * never removed. */
int listen_unix(const char *what, const char *path, unsigned mode,
    struct gc_err *err);

/* A connection (blocking) to what listens at host:port, or at the Unix
 * socket path, on this machine; -1 when nothing does (or host is not an
 * address). `check-config --connect` asks who holds a listener's
 * address. */
int listen_tcp_connect(const char *host, int port);
int listen_unix_connect(const char *path);

#endif
