/* echo_discard_server: TCP echo (port 7) and discard (port 9) served through
 * libtapstack, so the bytes cross the RPC data plane (socketpair → daemon →
 * stack). Run beside a daemon whose built-in services are off, it measures
 * what the RPC costs next to the same services built into the stack
 * (bench/peer-adapter-rpc.sh). One thread, epoll, non-blocking data fds. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <tapstack/tapstack.h>
#include <unistd.h>

enum { kBufSize = 256 * 1024, kMaxEvents = 64 };

/* One accepted connection. Echo keeps what it could not write back yet and
 * stops reading until the data fd drains (back-pressure, never unbounded). */
struct conn {
  int fd;
  int echo;
  size_t held, off;
  char buf[kBufSize];
};

/* Listeners are told apart from connections by this marker in the epoll data. */
struct listener {
  int fd;
  int echo;
};

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int listen_on(uint16_t port) {
  int fd = ts_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("ts_socket");
  struct sockaddr_in at = {0};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  if (ts_bind(fd, (struct sockaddr *)&at, sizeof at) != 0) die("ts_bind");
  if (ts_listen(fd, 1024) != 0) die("ts_listen");
  return fd;
}

static void watch(int ep, int fd, uint32_t events, void *ptr, int op) {
  struct epoll_event ev = {.events = events, .data.ptr = ptr};
  if (epoll_ctl(ep, op, fd, &ev) != 0) die("epoll_ctl");
}

static void drop(int ep, struct conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  ts_close(c->fd);
  free(c);
}

static void accept_all(int ep, struct listener *l) {
  while (1) {
    int fd = ts_accept(l->fd, NULL, NULL);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR) perror("ts_accept");
      return;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct conn *c = malloc(sizeof *c);
    if (!c) die("malloc");
    c->fd = fd;
    c->echo = l->echo;
    c->held = c->off = 0;
    watch(ep, fd, EPOLLIN, c, EPOLL_CTL_ADD);
  }
}

/* Writes what is held; returns 0 when all is written, 1 when the fd is full,
 * -1 when the peer is gone. */
static int flush(struct conn *c) {
  while (c->off < c->held) {
    ssize_t n = write(c->fd, c->buf + c->off, c->held - c->off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN ? 1 : -1;
    c->off += (size_t)n;
  }
  c->held = c->off = 0;
  return 0;
}

static void serve(int ep, struct conn *c) {
  int f = flush(c);
  if (f < 0) return drop(ep, c);
  while (f == 0) {
    ssize_t n = read(c->fd, c->buf, kBufSize);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) return drop(ep, c); /* EOF: the client is done */
    if (!c->echo) continue;
    c->held = (size_t)n;
    f = flush(c);
    if (f < 0) return drop(ep, c);
  }
  watch(ep, c->fd, f == 1 ? EPOLLOUT : EPOLLIN, c, EPOLL_CTL_MOD);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct listener ls[2] = {{listen_on(7), 1}, {listen_on(9), 0}};
  for (int i = 0; i < 2; ++i) watch(ep, ls[i].fd, EPOLLIN, &ls[i], EPOLL_CTL_ADD);
  printf("serving echo on 7 and discard on 9 through %s\n", ts_daemon_path());
  fflush(stdout);
  struct epoll_event events[kMaxEvents];
  while (1) {
    int n = epoll_wait(ep, events, kMaxEvents, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      void *p = events[i].data.ptr;
      if (p == &ls[0] || p == &ls[1]) {
        accept_all(ep, p);
      } else {
        serve(ep, p);
      }
    }
  }
}
