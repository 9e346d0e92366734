/* echo_client: connects to HOST PORT through tapstack, sends a line, prints
 * what comes back. Build: cc echo_client.c $(pkg-config --cflags --libs tapstack) */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tapstack/tapstack.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s ADDRESS PORT\n", argv[0]);
    return 2;
  }
  struct sockaddr_in to = {0};
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
    fprintf(stderr, "bad address: %s\n", argv[1]);
    return 2;
  }
  int fd = ts_socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    perror("ts_socket");
    return 1;
  }
  if (ts_connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
    perror("ts_connect");
    return 1;
  }
  const char line[] = "hello from libtapstack\n";
  if (write(fd, line, sizeof line - 1) < 0) perror("write");
  ts_shutdown(fd, SHUT_WR);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
  ts_close(fd);
  return 0;
}
