/*
 * The C/MPI reference swarmsim is measured against: the assignment's protocol done the
 * plain way (PROTOCOL.md). Rank 0 is the tracker; each client runs a download thread
 * and an upload thread, asks swarm members round-robin with one request in flight, and
 * refreshes its swarm every 10 segments. Run it in the folder holding in<R>.txt; it
 * writes client<R>_<file> there.
 *
 * Build: mpicc -O2 -pthread -o swarm swarm.c
 */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define HASH 32
#define NAME 64
#define UPDATE_EVERY 10

/* Tags. Everything to the tracker goes on TO_TRACKER; everything an upload thread must
 * see (segment requests, and TERMINATE from rank 0) on TO_UPLOAD, so the two threads of a
 * client never take each other's messages. */
enum { TO_TRACKER = 1, INIT_ACK, SWARM_REPLY, TO_UPLOAD, SEGMENT_REPLY };
enum { INIT = 1, SWARM_REQUEST, PEER_UPDATE, FILE_DONE, ALL_DONE };
enum { SEGMENT_REQUEST = 1, TERMINATE };

typedef struct {
  char name[NAME];
  int segments;
  char (*hashes)[HASH + 1];
  unsigned char *held; /* per segment; guarded by `lock` (the upload thread reads it) */
  int wanted;
} File;

typedef struct {
  int type;
  int index;
  char name[NAME];
  char hash[HASH + 1];
} Request;

static File *files;
static int file_count;
static int rank, size;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *what) {
  fprintf(stderr, "rank %d: %s\n", rank, what);
  MPI_Abort(MPI_COMM_WORLD, 2);
}

static File *file_named(const char *name) {
  for (int i = 0; i < file_count; i++)
    if (strcmp(files[i].name, name) == 0) return &files[i];
  return NULL;
}

static File *add_file(const char *name) {
  files = realloc(files, sizeof(File) * (file_count + 1));
  File *file = &files[file_count++];
  memset(file, 0, sizeof *file);
  if (strlen(name) >= NAME) die("a file name is too long");
  strcpy(file->name, name);
  return file;
}

static void allocate(File *file, int segments) {
  file->segments = segments;
  file->hashes = calloc(segments ? segments : 1, sizeof *file->hashes);
  file->held = calloc(segments ? segments : 1, 1);
}

/* A message of unknown length: matched, sized, then received (safe with two threads). */
static char *receive(int source, int tag, int *length, MPI_Status *status) {
  MPI_Message message;
  MPI_Mprobe(source, tag, MPI_COMM_WORLD, &message, status);
  MPI_Get_count(status, MPI_CHAR, length);
  char *buffer = malloc(*length + 1);
  MPI_Mrecv(buffer, *length, MPI_CHAR, &message, status);
  buffer[*length] = 0;
  return buffer;
}

static void to_tracker(int type, const char *name) {
  char buffer[NAME + 8];
  int length = snprintf(buffer, sizeof buffer, "%d %s", type, name ? name : "-");
  MPI_Send(buffer, length, MPI_CHAR, 0, TO_TRACKER, MPI_COMM_WORLD);
}

/* ---- tracker ---- */

typedef struct {
  char name[NAME];
  int segments;
  char *hashes; /* segments lines of HASH chars */
  unsigned char *member; /* per rank: 0 none, 1 peer, 2 seed */
} Swarm;

static Swarm *swarms;
static int swarm_count;

static Swarm *swarm_named(const char *name) {
  for (int i = 0; i < swarm_count; i++)
    if (strcmp(swarms[i].name, name) == 0) return &swarms[i];
  return NULL;
}

static void tracker_init(void) {
  for (int client = 1; client < size; client++) {
    int length;
    MPI_Status status;
    char *text = receive(MPI_ANY_SOURCE, TO_TRACKER, &length, &status);
    char *cursor = text;
    int type, owned, consumed;
    sscanf(cursor, "%d %d%n", &type, &owned, &consumed);
    cursor += consumed;
    for (int f = 0; f < owned; f++) {
      char name[NAME];
      int segments;
      sscanf(cursor, "%63s %d%n", name, &segments, &consumed);
      cursor += consumed;
      Swarm *swarm = swarm_named(name);
      if (!swarm) {
        swarms = realloc(swarms, sizeof(Swarm) * (swarm_count + 1));
        swarm = &swarms[swarm_count++];
        strcpy(swarm->name, name);
        swarm->segments = segments;
        swarm->hashes = malloc((size_t)segments * HASH + 1);
        swarm->member = calloc(size, 1);
        for (int s = 0; s < segments; s++) {
          sscanf(cursor, " %32s%n", swarm->hashes + (size_t)s * HASH, &consumed);
          cursor += consumed;
        }
      } else {
        for (int s = 0; s < segments; s++) {
          char skip[HASH + 1];
          sscanf(cursor, " %32s%n", skip, &consumed);
          cursor += consumed;
        }
      }
      swarm->member[status.MPI_SOURCE] = 2;
    }
    free(text);
  }
  for (int client = 1; client < size; client++) MPI_Send(NULL, 0, MPI_CHAR, client, INIT_ACK, MPI_COMM_WORLD);
}

static void tracker_reply(Swarm *swarm, int dest) {
  size_t capacity = (size_t)size * 12 + (size_t)swarm->segments * (HASH + 1) + 32;
  char *buffer = malloc(capacity);
  size_t length = 0;
  int members = 0;
  for (int r = 1; r < size; r++) members += swarm->member[r] != 0;
  length += sprintf(buffer + length, "%d", members);
  for (int r = 1; r < size; r++)
    if (swarm->member[r]) length += sprintf(buffer + length, " %d", r);
  length += sprintf(buffer + length, " %d", swarm->segments);
  for (int s = 0; s < swarm->segments; s++) {
    buffer[length++] = ' ';
    memcpy(buffer + length, swarm->hashes + (size_t)s * HASH, HASH);
    length += HASH;
  }
  MPI_Send(buffer, (int)length, MPI_CHAR, dest, SWARM_REPLY, MPI_COMM_WORLD);
  free(buffer);
}

static void tracker(void) {
  tracker_init();
  int finished = 0;
  while (finished < size - 1) {
    int length, type;
    MPI_Status status;
    char *text = receive(MPI_ANY_SOURCE, TO_TRACKER, &length, &status);
    char name[NAME] = "-";
    sscanf(text, "%d %63s", &type, name);
    free(text);
    int source = status.MPI_SOURCE;
    Swarm *swarm = swarm_named(name);
    if (type == ALL_DONE) {
      finished++;
      continue;
    }
    if (!swarm) die("a client asked about a file nobody owns");
    if (type == SWARM_REQUEST) {
      tracker_reply(swarm, source);
      if (!swarm->member[source]) swarm->member[source] = 1;
    } else if (type == PEER_UPDATE) {
      if (!swarm->member[source]) swarm->member[source] = 1;
    } else if (type == FILE_DONE) {
      swarm->member[source] = 2;
    }
  }
  Request stop = {.type = TERMINATE};
  for (int client = 1; client < size; client++) MPI_Send(&stop, sizeof stop, MPI_BYTE, client, TO_UPLOAD, MPI_COMM_WORLD);
}

/* ---- client ---- */

static void read_input(void) {
  char path[32];
  snprintf(path, sizeof path, "in%d.txt", rank);
  FILE *in = fopen(path, "r");
  if (!in) die("cannot open its input file");
  int owned, wanted;
  if (fscanf(in, "%d", &owned) != 1) die("bad input: owned files");
  for (int f = 0; f < owned; f++) {
    char name[NAME];
    int segments;
    if (fscanf(in, "%63s %d", name, &segments) != 2) die("bad input: an owned file");
    File *file = add_file(name);
    allocate(file, segments);
    for (int s = 0; s < segments; s++) {
      if (fscanf(in, "%32s", file->hashes[s]) != 1) die("bad input: a hash");
      file->held[s] = 1;
    }
  }
  if (fscanf(in, "%d", &wanted) != 1) die("bad input: wanted files");
  for (int f = 0; f < wanted; f++) {
    char name[NAME];
    if (fscanf(in, "%63s", name) != 1) die("bad input: a wanted file");
    add_file(name)->wanted = 1;
  }
  fclose(in);
}

static void send_owned(void) {
  size_t capacity = 32, length = 0;
  for (int f = 0; f < file_count; f++) capacity += NAME + 16 + (size_t)files[f].segments * (HASH + 1);
  char *buffer = malloc(capacity);
  int owned = 0;
  for (int f = 0; f < file_count; f++) owned += !files[f].wanted;
  length += sprintf(buffer, "%d %d", INIT, owned);
  for (int f = 0; f < file_count; f++) {
    if (files[f].wanted) continue;
    length += sprintf(buffer + length, " %s %d", files[f].name, files[f].segments);
    for (int s = 0; s < files[f].segments; s++) length += sprintf(buffer + length, " %s", files[f].hashes[s]);
  }
  MPI_Send(buffer, (int)length, MPI_CHAR, 0, TO_TRACKER, MPI_COMM_WORLD);
  free(buffer);
  MPI_Recv(NULL, 0, MPI_CHAR, 0, INIT_ACK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* Asks the tracker for the swarm of `file`; fills `members` (others only) and, the first
 * time, the file's hashes. Returns the number of members. */
static int ask_swarm(File *file, int *members) {
  to_tracker(SWARM_REQUEST, file->name);
  int length;
  MPI_Status status;
  char *text = receive(0, SWARM_REPLY, &length, &status);
  char *cursor = text;
  int count, consumed, listed = 0, segments;
  sscanf(cursor, "%d%n", &count, &consumed);
  cursor += consumed;
  for (int i = 0; i < count; i++) {
    int member;
    sscanf(cursor, " %d%n", &member, &consumed);
    cursor += consumed;
    if (member != rank) members[listed++] = member;
  }
  sscanf(cursor, " %d%n", &segments, &consumed);
  cursor += consumed;
  if (!file->hashes) {
    pthread_mutex_lock(&lock);
    allocate(file, segments);
    pthread_mutex_unlock(&lock);
    for (int s = 0; s < segments; s++) {
      sscanf(cursor, " %32s%n", file->hashes[s], &consumed);
      cursor += consumed;
    }
  }
  free(text);
  return listed;
}

static void write_output(File *file) {
  char path[NAME + 32];
  snprintf(path, sizeof path, "client%d_%s", rank, file->name);
  FILE *out = fopen(path, "w");
  if (!out) die("cannot write an output file");
  for (int s = 0; s < file->segments; s++) fprintf(out, "%s%s", file->hashes[s], s + 1 < file->segments ? "\n" : "");
  fclose(out);
}

static void download(File *file) {
  int *members = malloc(sizeof(int) * size);
  int count = ask_swarm(file, members);
  int next = 0, since_update = 0;
  for (int s = 0; s < file->segments; s++) {
    int refusals = 0;
    for (;;) {
      if (count == 0 || refusals >= count) {
        /* Nobody listed has it yet: the swarm may have grown. */
        count = ask_swarm(file, members);
        refusals = 0;
        if (count == 0) continue;
      }
      int holder = members[next++ % count];
      Request request = {.type = SEGMENT_REQUEST, .index = s};
      strcpy(request.name, file->name);
      memcpy(request.hash, file->hashes[s], HASH + 1);
      MPI_Send(&request, sizeof request, MPI_BYTE, holder, TO_UPLOAD, MPI_COMM_WORLD);
      int acked;
      MPI_Recv(&acked, 1, MPI_INT, holder, SEGMENT_REPLY, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (acked) break;
      refusals++;
    }
    pthread_mutex_lock(&lock);
    file->held[s] = 1;
    pthread_mutex_unlock(&lock);
    if (++since_update == UPDATE_EVERY && s + 1 < file->segments) {
      since_update = 0;
      to_tracker(PEER_UPDATE, file->name);
      count = ask_swarm(file, members);
    }
  }
  to_tracker(FILE_DONE, file->name);
  write_output(file);
  free(members);
}

static void *download_thread(void *unused) {
  (void)unused;
  for (int f = 0; f < file_count; f++)
    if (files[f].wanted) download(&files[f]);
  to_tracker(ALL_DONE, NULL);
  return NULL;
}

static void *upload_thread(void *unused) {
  (void)unused;
  for (;;) {
    Request request;
    MPI_Status status;
    MPI_Recv(&request, sizeof request, MPI_BYTE, MPI_ANY_SOURCE, TO_UPLOAD, MPI_COMM_WORLD, &status);
    if (request.type == TERMINATE && status.MPI_SOURCE == 0) return NULL;
    int acked = 0;
    pthread_mutex_lock(&lock);
    File *file = file_named(request.name);
    if (file && file->held && request.index >= 0 && request.index < file->segments && file->held[request.index])
      acked = strncmp(file->hashes[request.index], request.hash, HASH) == 0;
    pthread_mutex_unlock(&lock);
    MPI_Send(&acked, 1, MPI_INT, status.MPI_SOURCE, SEGMENT_REPLY, MPI_COMM_WORLD);
  }
}

static void client(void) {
  read_input();
  send_owned();
  pthread_t down, up;
  pthread_create(&down, NULL, download_thread, NULL);
  pthread_create(&up, NULL, upload_thread, NULL);
  pthread_join(down, NULL);
  pthread_join(up, NULL);
}

/* For the bench: this rank's peak RSS, in bytes, to $SWARMSIM_PEAK_DIR/rank<R>. */
static void report_peak_memory(void) {
  const char *folder = getenv("SWARMSIM_PEAK_DIR");
  if (!folder) return;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  char path[4096];
  snprintf(path, sizeof path, "%s/rank%d", folder, rank);
  FILE *out = fopen(path, "w");
  if (!out) return;
  fprintf(out, "%ld", usage.ru_maxrss * 1024L);
  fclose(out);
}

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  if (provided < MPI_THREAD_MULTIPLE) {
    fprintf(stderr, "this MPI does not support MPI_THREAD_MULTIPLE\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank == 0)
    tracker();
  else
    client();
  report_peak_memory();
  MPI_Finalize();
  return 0;
}
