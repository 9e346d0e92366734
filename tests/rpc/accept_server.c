/* accept_server: a libtapstack server for tests/e2e/rpc_accept_test.sh.
 *
 *   accept_server PORT drop COUNT
 *     accepts COUNT connections one after another; writes "hi\n" to each and
 *     then closes its data fd with plain close(), never telling the daemon
 *     (no ts_close): the daemon must notice the fd is gone and free the
 *     socket, or the session runs out of sockets before COUNT.
 *   accept_server PORT close-listener GO_FILE
 *     listens, and once GO_FILE exists closes the listener without accepting
 *     anything; then waits for stdin to close, keeping its session open. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tapstack/tapstack.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int listen_on(unsigned port) {
  int fd = ts_socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("ts_socket");
  struct sockaddr_in at = {0};
  at.sin_family = AF_INET;
  at.sin_port = htons((unsigned short)port);
  if (ts_bind(fd, (struct sockaddr *)&at, sizeof at) != 0) die("ts_bind");
  if (ts_listen(fd, 16) != 0) die("ts_listen");
  printf("listening %u\n", port);
  fflush(stdout);
  return fd;
}

static int drop_connections(int listener, long count) {
  for (long i = 0; i < count; i++) {
    int conn = ts_accept(listener, NULL, NULL);
    if (conn < 0) die("ts_accept");
    if (write(conn, "hi\n", 3) != 3) die("write");
    close(conn); /* not ts_close: the daemon is not told */
  }
  printf("accepted %ld\n", count);
  return 0;
}

/* Polls for the file every 10 ms, for at most 20 s. */
static int wait_for_file(const char *path) {
  struct stat st;
  for (int i = 0; i < 2000; i++) {
    if (stat(path, &st) == 0) return 0;
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nanosleep(&ten_ms, NULL);
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PORT drop COUNT | PORT close-listener GO_FILE\n", argv[0]);
    return 2;
  }
  int listener = listen_on((unsigned)atoi(argv[1]));
  if (strcmp(argv[2], "drop") == 0) return drop_connections(listener, atol(argv[3]));
  if (strcmp(argv[2], "close-listener") != 0) return 2;
  if (wait_for_file(argv[3]) != 0) {
    fprintf(stderr, "%s did not appear\n", argv[3]);
    return 1;
  }
  if (ts_close(listener) != 0) die("ts_close");
  printf("closed\n");
  fflush(stdout);
  char byte;
  while (read(STDIN_FILENO, &byte, 1) > 0) {
  }
  return 0;
}
