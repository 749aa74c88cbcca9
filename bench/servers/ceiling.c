/*
 * The ceiling baseline: as fast as this machine takes a socket's bytes to an
 * fsync'd file and back, with none of Node's stream machinery. It speaks the
 * raw TCP baseline's exchange (raw-tcp.ts): `PUT SIZE\n` and the bytes, then
 * the client half-closes, the file is fsync'd and `OK\n` answered; `GET\n` is
 * answered `SIZE\n` and the file, sent with sendfile(2). One connection at a
 * time, read into one reused buffer. Built by the benchmark with `cc`.
 *
 * usage: ceiling DATA_DIR   (prints `listening PORT` once it listens on 127.0.0.1)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUFFER_SIZE (1 << 20)
#define HEAD_SIZE 4096

static char buffer[BUFFER_SIZE];
static char path[4096];

static int write_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

static void put(int client, const char *rest, size_t rest_length) {
  int file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (file < 0 || write_all(file, rest, rest_length) < 0) goto done;
  for (;;) {
    ssize_t n = read(client, buffer, BUFFER_SIZE);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (write_all(file, buffer, (size_t)n) < 0) goto done;
  }
  if (fsync(file) == 0) write_all(client, "OK\n", 3);
done:
  if (file >= 0) close(file);
}

static void get(int client) {
  int file = open(path, O_RDONLY);
  struct stat st;
  if (file < 0 || fstat(file, &st) < 0) goto done;
  char head[32];
  int head_length = snprintf(head, sizeof head, "%lld\n", (long long)st.st_size);
  if (write_all(client, head, (size_t)head_length) < 0) goto done;
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = sendfile(client, file, &offset, (size_t)(st.st_size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
done:
  if (file >= 0) close(file);
}

static void serve(int client) {
  size_t have = 0;
  char *newline = NULL;
  while (!newline && have < HEAD_SIZE) {
    ssize_t n = read(client, buffer + have, HEAD_SIZE - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    have += (size_t)n;
    newline = memchr(buffer, '\n', have);
  }
  if (!newline) return;
  size_t head_length = (size_t)(newline - buffer) + 1;
  if (strncmp(buffer, "PUT ", 4) == 0) {
    /* The bytes that came with the head line are the body's first; put writes them before it reuses the buffer. */
    put(client, buffer + head_length, have - head_length);
  } else if (strncmp(buffer, "GET", 3) == 0) {
    get(client);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: ceiling DATA_DIR\n");
    return 2;
  }
  snprintf(path, sizeof path, "%s/ceiling.bin", argv[1]);
  int server = socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof address;
  if (bind(server, (struct sockaddr *)&address, sizeof address) < 0 || listen(server, 16) < 0 ||
      getsockname(server, (struct sockaddr *)&address, &length) < 0) {
    perror("ceiling");
    return 1;
  }
  printf("listening %d\n", ntohs(address.sin_port));
  fflush(stdout);
  for (;;) {
    int client = accept(server, NULL, NULL);
    if (client < 0) continue;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    serve(client);
    close(client);
  }
}
