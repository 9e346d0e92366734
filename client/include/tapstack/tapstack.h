/* libtapstack: sockets of the tapstack userland TCP/IP stack, for C programs.
 *
 * The calls mirror the BSD socket API. Where BSD returns a file descriptor,
 * these return a real one: the program's end of a socketpair whose other end
 * the daemon connects to the stack socket. read/write/poll/epoll/fcntl work
 * on it directly (for TCP; UDP datagrams go through ts_sendto/ts_recvfrom).
 * Errors: -1 with errno set as Linux would set it. Blocking calls block the
 * calling thread; a descriptor with O_NONBLOCK makes connect/accept
 * non-blocking. The first call connects to the daemon at $TAPSTACK_SOCKET or
 * /run/tapstack/tapstackd.sock; a daemon that is not running gives ENOENT or
 * ECONNREFUSED. Thread-safe: one request at a time per process.
 * When the daemon goes away: requests about its sockets fail with ENETDOWN
 * (they stay dead after a restart), ts_accept gives ECONNABORTED once and the
 * listener never becomes readable again, data fds read EOF; the next request
 * that names no socket (ts_socket…) opens a new session, ENETDOWN while no
 * daemon answers. See docs/rpc.md, "When the daemon goes away".
 * See docs/rpc.md for the protocol underneath. */
#ifndef TAPSTACK_TAPSTACK_H
#define TAPSTACK_TAPSTACK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TS_API __attribute__((visibility("default")))
#define TS_DEFAULT_SOCKET "/run/tapstack/tapstackd.sock"

/* Connects to the daemon at `path` (NULL: $TAPSTACK_SOCKET or the default).
 * Optional: every other call connects on first use. */
TS_API int ts_connect_daemon(const char *path);
/* Closes the control connection; sockets still open are released. */
TS_API void ts_disconnect_daemon(void);
/* The path used (or to be used) for the daemon. */
TS_API const char *ts_daemon_path(void);

/* domain AF_INET; type SOCK_STREAM or SOCK_DGRAM, optionally or'ed with
 * SOCK_NONBLOCK and SOCK_CLOEXEC; protocol 0 or IPPROTO_TCP/IPPROTO_UDP. */
TS_API int ts_socket(int domain, int type, int protocol);
TS_API int ts_bind(int fd, const struct sockaddr *addr, socklen_t len);
TS_API int ts_listen(int fd, int backlog);
TS_API int ts_accept(int fd, struct sockaddr *addr, socklen_t *len);
TS_API int ts_connect(int fd, const struct sockaddr *addr, socklen_t len);
TS_API int ts_shutdown(int fd, int how);
TS_API int ts_close(int fd);
TS_API int ts_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
TS_API int ts_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
/* SOL_SOCKET: SO_REUSEADDR, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_ERROR,
 * SO_LINGER, SO_BROADCAST; IPPROTO_TCP: TCP_NODELAY. */
TS_API int ts_setsockopt(int fd, int level, int name, const void *value, socklen_t len);
TS_API int ts_getsockopt(int fd, int level, int name, void *value, socklen_t *len);
/* UDP: one datagram; `to` NULL sends to the connected peer. ts_recvfrom
 * writes at most `len` bytes and discards the rest of the datagram; it
 * returns the bytes written, or the datagram's full length with MSG_TRUNC
 * (as Linux does). */
TS_API ssize_t ts_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
                  socklen_t tolen);
TS_API ssize_t ts_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                    socklen_t *fromlen);

/* Resolves `name` through the stack's DNS resolver; writes up to `max`
 * addresses and returns how many (ENOENT: no such name, ENODATA: no address,
 * ETIMEDOUT: no answer). */
TS_API int ts_resolve(const char *name, struct in_addr *out, size_t max);

struct ts_ping_result {
  struct in_addr from;
  uint16_t sequence;
  uint16_t size;
  uint8_t ttl;
  uint32_t rtt_us;
};
/* One ICMP echo sent by the stack; ETIMEDOUT when no reply in time. */
TS_API int ts_ping(struct in_addr to, uint16_t sequence, uint16_t size, uint32_t timeout_ms,
            struct ts_ping_result *out);

/* "status", "sockets", "arp" or "counters" as a JSON document; free() it. */
TS_API int ts_introspect(const char *what, char **json);

/* What ts_trace / ts_capture watch; zero fields match everything. */
struct ts_watch {
  uint32_t socket;      /* trace: a stack socket id, as `tapstack sockets` shows */
  struct in_addr host;  /* either endpoint's address */
  uint16_t port;        /* either endpoint's port */
  int json;             /* trace: JSON objects, one per line, instead of text lines */
  int absolute;         /* trace: raw sequence numbers instead of relative ones */
  uint32_t count;       /* capture: the stream ends after this many frames (0: never) */
};
/* A stream fd (close-on-exec) on which the daemon writes TCP trace events as
 * lines; close() ends the subscription. A reader that falls behind loses
 * events and finds a "# lost N events" line (JSON: {"lost":N}) where they were. */
TS_API int ts_trace(const struct ts_watch *filter);
/* A stream fd of pcapng: a section header and interface block, then one
 * Enhanced Packet Block per frame the stack sends or receives (with a comment
 * saying why, where the stack knows). close() ends it; so does `count`. */
TS_API int ts_capture(const struct ts_watch *filter);

#ifdef __cplusplus
}
#endif

#endif /* TAPSTACK_TAPSTACK_H */
