/* io/cm_direct: byte ranges written past the page cache land exactly where
 * plain pwrite would put them. The model is a byte array the same writes go
 * to with memcpy; the file must equal it. Ranges: inside one block, across a
 * block edge, many blocks with unaligned ends, longer than the staging
 * buffer, two writers' neighbouring ranges sharing blocks (written through
 * two handles in interleaved order, as two ranks would), and ranges written
 * out of file order. Also: a file that does not exist is not created, and
 * whole aligned blocks really skip the page cache where O_DIRECT is there
 * (mincore: not resident after the write). Run in the build tree (a disk
 * file system); under /dev/shm too when it exists (no O_DIRECT: plain
 * writes). */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cm_direct.h"
#include "cm_error.h"
#include "unit.h"

#define FILE_BYTES ((size_t)24 << 20)

static uint8_t *model, *src;

static void put(cm_direct *d, uint64_t off, size_t len) {
  for (size_t i = 0; i < len; i++)
    src[i] = (uint8_t)((off + i) * 2654435761u >> 13);
  memcpy(model + off, src, len);
  CHECK(cm_direct_write(d, off, src, len) == CM_OK);
}

/* Pages of [off, off + len) of path in the page cache. */
static size_t resident(const char *path, uint64_t off, size_t len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return (size_t)-1;
  void *m = mmap(NULL, FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return (size_t)-1;
  size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = len / pg, count = 0;
  unsigned char *vec = malloc(FILE_BYTES / pg);
  if (vec && mincore(m, FILE_BYTES, vec) == 0)
    for (size_t i = 0; i < n; i++)
      count += vec[off / pg + i] & 1;
  free(vec);
  munmap(m, FILE_BYTES);
  return count;
}

static void run_in(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/cm_direct_test.%d", dir, (int)getpid());
  cm_direct *a = NULL, *b = NULL;
  CHECK(cm_direct_open(path, &a) != CM_OK); /* never creates (the error printed is expected) */
  CHECK(access(path, F_OK) != 0);
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
  CHECK(fd >= 0 && ftruncate(fd, (off_t)FILE_BYTES) == 0);
  if (fd >= 0) close(fd);
  memset(model, 0, FILE_BYTES);
  CHECK(cm_direct_open(path, &a) == CM_OK && cm_direct_open(path, &b) == CM_OK);
  if (!a || !b) return;
  put(a, 10, 100);                       /* inside one block */
  put(a, 4000, 200);                     /* across a block edge */
  put(a, 8192 + 17, 5 * 4096 + 3);       /* blocks with unaligned ends */
  put(a, (1 << 20) + 5, (9 << 20) + 11); /* longer than the staging buffer */
  for (uint64_t k = 0; k < 40; k++) {    /* two writers, ranges meeting inside blocks */
    uint64_t at = (12u << 20) + k * 10007;
    put(k % 2 ? a : b, at, 10007);
  }
  put(b, (20u << 20) + 4096, 3 * 4096); /* aligned both ends */
  put(b, 8192 + 5, 7);                  /* out of order, into a block written before */
  size_t in_cache = resident(path, (20u << 20) + 4096, 3 * 4096);
  CHECK(cm_direct_close(a) == CM_OK);
  CHECK(cm_direct_close(b) == CM_OK);
  uint8_t *got = malloc(FILE_BYTES);
  fd = open(path, O_RDONLY);
  size_t have = 0;
  while (got && fd >= 0 && have < FILE_BYTES) {
    ssize_t r = read(fd, got + have, FILE_BYTES - have);
    if (r <= 0) break;
    have += (size_t)r;
  }
  CHECK(have == FILE_BYTES && memcmp(got, model, FILE_BYTES) == 0);
  if (fd >= 0) close(fd);
  /* O_DIRECT is there, on a local disk file system whose direct I/O is known
   * to bypass the page cache (ext4, XFS, Btrfs; tmpfs accepts O_DIRECT but is
   * the page cache, and network or overlay file systems may differ): the
   * aligned range skipped the cache */
  int direct = open(path, O_RDONLY | O_DIRECT);
  struct statfs fs;
  int on_disk = statfs(path, &fs) == 0 &&
                (fs.f_type == 0xEF53 || fs.f_type == 0x58465342 || fs.f_type == (__fsword_t)0x9123683E);
  if (direct >= 0) close(direct);
  if (direct >= 0 && on_disk) CHECK(in_cache == 0);
  printf("%s: %s, %zu of 3 aligned pages cached after the write\n", dir,
         direct < 0 ? "plain writes"
         : on_disk  ? "O_DIRECT"
                    : "O_DIRECT (page cache not checked here)",
         in_cache);
  free(got);
  unlink(path);
}

int main(void) {
  model = malloc(FILE_BYTES);
  src = malloc(FILE_BYTES);
  if (!model || !src) return 1;
  run_in(".");
  struct stat st;
  if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0) run_in("/dev/shm");
  free(model);
  free(src);
  return unit_failures;
}
