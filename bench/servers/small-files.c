/*
 * The small-files baseline: a plain server with a thread per connection and
 * one fsync per file, as a careful C program would store small uploads. On
 * each connection, any number of `PUT NAME SIZE\n` + SIZE bytes; each is
 * written to a temporary file, fsync'd, renamed to DATA_DIR/NAME, and
 * answered `OK\n`. No hashing, no directory fsync: concurrent fsyncs from
 * many threads are what the file system merges into shared journal commits.
 * Built by the benchmark with `cc -pthread`.
 *
 * usage: small-files DATA_DIR   (prints `listening PORT` once it listens on 127.0.0.1)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER_SIZE (1 << 16)

static const char *data_dir;
static unsigned long counter;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;

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

/* One connection: a buffer of its own, reads until the peer closes. */
static void *serve(void *arg) {
  int client = (int)(long)arg;
  char *buffer = malloc(BUFFER_SIZE);
  size_t have = 0;
  for (;;) {
    char *newline = memchr(buffer, '\n', have);
    while (!newline) {
      if (have == BUFFER_SIZE) goto done;
      ssize_t n = read(client, buffer + have, BUFFER_SIZE - have);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) goto done;
      have += (size_t)n;
      newline = memchr(buffer, '\n', have);
    }
    *newline = '\0';
    char name[256];
    long long size;
    if (sscanf(buffer, "PUT %255s %lld", name, &size) != 2 || strchr(name, '/') || size < 0) goto done;
    size_t head = (size_t)(newline - buffer) + 1;
    memmove(buffer, buffer + head, have - head);
    have -= head;
    char tmp[4096], path[4096];
    pthread_mutex_lock(&counter_lock);
    unsigned long id = counter++;
    pthread_mutex_unlock(&counter_lock);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%lu", data_dir, id);
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    int file = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (file < 0) goto done;
    long long left = size;
    while (left > 0) {
      if (have == 0) {
        ssize_t n = read(client, buffer, BUFFER_SIZE);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          close(file);
          goto done;
        }
        have = (size_t)n;
      }
      size_t take = have < (size_t)left ? have : (size_t)left;
      if (write_all(file, buffer, take) < 0) {
        close(file);
        goto done;
      }
      memmove(buffer, buffer + take, have - take);
      have -= take;
      left -= (long long)take;
    }
    int ok = fsync(file) == 0;
    close(file);
    if (!ok || rename(tmp, path) < 0 || write_all(client, "OK\n", 3) < 0) goto done;
  }
done:
  free(buffer);
  close(client);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: small-files DATA_DIR\n");
    return 2;
  }
  data_dir = argv[1];
  int server = socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t length = sizeof address;
  if (bind(server, (struct sockaddr *)&address, sizeof address) < 0 || listen(server, 1024) < 0 ||
      getsockname(server, (struct sockaddr *)&address, &length) < 0) {
    perror("small-files");
    return 1;
  }
  printf("listening %d\n", ntohs(address.sin_port));
  fflush(stdout);
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attributes, 256 * 1024);
  for (;;) {
    int client = accept(server, NULL, NULL);
    if (client < 0) continue;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    pthread_t thread;
    if (pthread_create(&thread, &attributes, serve, (void *)(long)client) != 0) close(client);
  }
}
