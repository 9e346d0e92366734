/* An epoll echo server for the preload e2e test: listens on PORT (dual-stack
 * AF_INET6 when the third argument is "6"), accepts non-blocking, echoes
 * every byte back, and exits after COUNT connections have closed. Uses only
 * ordinary socket calls: under `tapstack run` they reach the stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 64
#define BUFFER 65536

struct conn {
  int fd;
  char buf[BUFFER];
  size_t len, off;
};

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int listener(int port, int v6) {
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  int one = 1, zero = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) die("SO_REUSEADDR");
  if (v6) {
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0) die("IPV6_V6ONLY");
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  } else {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
  }
  if (listen(fd, 64) < 0) die("listen");
  return fd;
}

/* Writes what is buffered; 1 if all of it went, 0 if the pair is full, -1 on error. */
static int flush(struct conn *c) {
  while (c->off < c->len) {
    ssize_t n = write(c->fd, c->buf + c->off, c->len - c->off);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    c->off += (size_t)n;
  }
  c->off = c->len = 0;
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s PORT COUNT [6]\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]), remaining = atoi(argv[2]);
  int lfd = listener(port, argc > 3 && strcmp(argv[3], "6") == 0);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl listener");
  printf("listening %d\n", port);
  fflush(stdout);
  while (remaining > 0) {
    struct epoll_event events[MAX_EVENTS];
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      struct conn *c = events[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          c = calloc(1, sizeof *c);
          c->fd = fd;
          struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
          if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) die("epoll_ctl conn");
        }
        if (errno != EAGAIN) die("accept4");
        continue;
      }
      int done = 0;
      for (;;) {
        int f = flush(c);
        if (f < 0) { done = 1; break; }
        if (f == 0) break; /* wait for EPOLLOUT */
        ssize_t r = read(c->fd, c->buf, sizeof c->buf);
        if (r > 0) { c->len = (size_t)r; continue; }
        if (r < 0 && errno == EAGAIN) break;
        done = 1; /* EOF or error */
        break;
      }
      if (done) {
        close(c->fd);
        free(c);
        --remaining;
      }
    }
  }
  close(lfd);
  return 0;
}
