#include "cm_direct.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_error.h"
#include "cm_text.h"

/* 4096 satisfies every device block size in use (512 and 4096) and the page
 * size, which some file systems ask of direct I/O. */
enum { ALIGN = 4096 };
/* The staging buffer: large enough that a direct write is one big request,
 * small enough to stay in cache between writes. */
#define STAGE_BYTES ((size_t)8 << 20)

struct cm_direct {
  int fd;         /* plain writes: the unaligned ends, or all when dfd < 0 */
  int dfd;        /* O_DIRECT, or -1 */
  uint8_t *stage; /* ALIGN-aligned, STAGE_BYTES */
  char path[CM_PATH_MAX];
};

int cm_direct_open(const char *path, cm_direct **out) {
  cm_direct *d = calloc(1, sizeof *d);
  if (!d) return CM_FAIL("out of memory");
  snprintf(d->path, sizeof d->path, "%s", path);
  d->fd = open(path, O_WRONLY | O_CLOEXEC);
  if (d->fd < 0) {
    int e = errno;
    free(d);
    return CM_FAIL("cannot open '%s' for writing: %s", path, strerror(e));
  }
  /* EINVAL: the file system has no direct I/O (tmpfs); plain writes then */
  d->dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
  if (d->dfd >= 0 && !(d->stage = aligned_alloc(ALIGN, STAGE_BYTES))) {
    close(d->dfd);
    d->dfd = -1;
  }
  *out = d;
  return CM_OK;
}

static int write_failed(const cm_direct *d, size_t len, uint64_t off, const char *why) {
  return CM_FAIL("writing %zu bytes at offset %" PRIu64 " of '%s' failed: %s; check free space", len, off,
                 d->path, why);
}

static int write_plain(cm_direct *d, uint64_t off, const uint8_t *p, size_t len) {
  while (len) {
    ssize_t w = pwrite(d->fd, p, len, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return write_failed(d, len, off, w < 0 ? strerror(errno) : "nothing written");
    p += w;
    off += (uint64_t)w;
    len -= (size_t)w;
  }
  return CM_OK;
}

/* Whole blocks [off, off + len), both ALIGN multiples, through the staging
 * buffer. A direct write the file system turns down (EINVAL: alignment it
 * does not accept) or cuts short goes on with plain writes. */
static int write_blocks(cm_direct *d, uint64_t off, const uint8_t *p, size_t len) {
  while (len && d->dfd >= 0) {
    size_t n = len < STAGE_BYTES ? len : STAGE_BYTES;
    memcpy(d->stage, p, n);
    ssize_t w = pwrite(d->dfd, d->stage, n, (off_t)off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EINVAL) return write_failed(d, n, off, strerror(errno));
    if (w < 0) { /* no direct I/O after all: plain writes from here on */
      close(d->dfd);
      d->dfd = -1;
      break;
    }
    p += w;
    off += (uint64_t)w;
    len -= (size_t)w;
    if ((size_t)w < n) break; /* short: the rest plainly (it need not be aligned now) */
  }
  return write_plain(d, off, p, len);
}

int cm_direct_write(cm_direct *d, uint64_t off, const void *buf, size_t len) {
  const uint8_t *p = buf;
  uint64_t end = off + len, a = (off + ALIGN - 1) / ALIGN * ALIGN, b = end / ALIGN * ALIGN;
  if (d->dfd < 0 || a >= b) return write_plain(d, off, p, len);
  CM_TRY(write_plain(d, off, p, (size_t)(a - off)));
  CM_TRY(write_blocks(d, a, p + (a - off), (size_t)(b - a)));
  return write_plain(d, b, p + (b - off), (size_t)(end - b));
}

int cm_direct_close(cm_direct *d) {
  if (!d) return CM_OK;
  int rc = CM_OK;
  if (d->dfd >= 0 && close(d->dfd) != 0) rc = CM_FAIL("writing '%s' failed: %s", d->path, strerror(errno));
  if (close(d->fd) != 0 && rc == CM_OK) rc = CM_FAIL("writing '%s' failed: %s", d->path, strerror(errno));
  free(d->stage);
  free(d);
  return rc;
}
