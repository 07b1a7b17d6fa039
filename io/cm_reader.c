#include "cm_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm_error.h"
#include "cm_json.h"

#define IO_CHUNK (256u << 10) /* >= 64 KiB reads: syscalls cost ~1 us here */
#define LINE_BUF_START (1u << 20)
#define REJECT_HEAD 200

/* ---- byte sources: file descriptor, archive member, gzip over another ---- */

typedef struct src src;
struct src {
  /* Fills up to cap bytes; *got = 0 means end of stream. */
  int (*read)(src *s, uint8_t *buf, size_t cap, size_t *got);
  const char *file, *member;
};

typedef struct {
  src base;
  int fd;
} fd_src;

typedef struct {
  src base;
  struct archive *a;
} arch_src;

typedef struct {
  src base;
  src *inner;
  struct inflate_state st;
  uint8_t *inbuf;
  int inner_eof, member_done, started;
  uint64_t in_bytes, out_bytes, compressed_size;
  const cm_read_limits *lim;
} gz_src;

struct cm_reader {
  cm_read_limits lim;
  uint8_t *line_buf; /* line_cap + CM_JSON_PADDING bytes */
  size_t line_cap;
  gz_src gz[2]; /* [0] the file's gzip layer, [1] a member's */
  uint8_t *arch_buf;
  /* libarchive callback state for .tar.gz */
  src *arch_feed;
  int arch_feed_rc;
};

static int fd_read(src *s, uint8_t *buf, size_t cap, size_t *got) {
  fd_src *f = (fd_src *)s;
  for (;;) {
    ssize_t n = read(f->fd, buf, cap);
    if (n >= 0) {
      *got = (size_t)n;
      return CM_OK;
    }
    if (errno != EINTR) return CM_FAIL("reading '%s' failed: %s", s->file, strerror(errno));
  }
}

static int arch_read(src *s, uint8_t *buf, size_t cap, size_t *got) {
  arch_src *a = (arch_src *)s;
  la_ssize_t n = archive_read_data(a->a, buf, cap);
  if (n < 0)
    return CM_FAIL("file '%s', member '%s': cannot be read to its end: %s; the "
                   "archive is broken or truncated, re-create or re-download it",
                   s->file, s->member, archive_error_string(a->a));
  *got = (size_t)n;
  return CM_OK;
}

/* After a member's end: zero bytes up to the end of the stream are padding
 * (tapes and some mirrors pad files to a block size; gzip accepts it). Skips
 * zeros in the input buffer; returns 1 when they run to the end of the
 * stream, 0 when other data follows. */
static int skip_zero_padding(gz_src *g) {
  for (;;) {
    while (g->st.avail_in > 0 && g->st.next_in[0] == 0)
      g->st.next_in++, g->st.avail_in--;
    if (g->st.avail_in > 0) return 0;
    if (g->inner_eof) return 1;
    size_t n = 0;
    if (g->inner->read(g->inner, g->inbuf, IO_CHUNK, &n) != CM_OK) return 0; /* the error shows next */
    if (n == 0) g->inner_eof = 1;
    g->in_bytes += n;
    g->st.next_in = g->inbuf;
    g->st.avail_in = (uint32_t)n;
  }
}

static int gz_read(src *s, uint8_t *buf, size_t cap, size_t *got) {
  gz_src *g = (gz_src *)s;
  for (;;) {
    if (g->st.avail_in == 0 && !g->inner_eof) {
      size_t n = 0;
      CM_TRY(g->inner->read(g->inner, g->inbuf, IO_CHUNK, &n));
      if (n == 0) g->inner_eof = 1;
      g->in_bytes += n;
      g->st.next_in = g->inbuf;
      g->st.avail_in = (uint32_t)n;
    }
    if (g->member_done || !g->started) {
      if (g->st.avail_in == 0) {
        if (!g->inner_eof) continue;
        if (!g->started) /* as `gzip -t` says of it: not gzip data */
          return CM_FAIL("file '%s'%s%s%s: empty (0 bytes), not gzip data; a truncated download? "
                         "re-download it",
                         s->file, *s->member ? ", member '" : "", s->member, *s->member ? "'" : "");
        *got = 0;
        return CM_OK;
      }
      if (g->started && g->st.next_in[0] == 0 && skip_zero_padding(g)) {
        *got = 0;
        return CM_OK;
      }
      /* A new gzip member starts (multi-member files, e.g. concatenated). */
      uint8_t *next = g->st.next_in;
      uint32_t avail = g->st.avail_in;
      isal_inflate_reset(&g->st);
      g->st.crc_flag = ISAL_GZIP;
      g->st.next_in = next;
      g->st.avail_in = avail;
      g->member_done = 0;
      g->started = 1;
    }
    g->st.next_out = buf;
    g->st.avail_out = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    int r = isal_inflate(&g->st);
    if (r < 0)
      return CM_FAIL("file '%s'%s%s%s: corrupt gzip data (ISA-L error %d); the file is "
                     "damaged, re-download it",
                     s->file, *s->member ? ", member '" : "", s->member, *s->member ? "'" : "", r);
    size_t produced = (size_t)(g->st.next_out - buf);
    if (g->st.block_state == ISAL_BLOCK_FINISH) g->member_done = 1;
    if (produced) {
      g->out_bytes += produced;
      uint64_t csize = g->compressed_size ? g->compressed_size : g->in_bytes;
      if (g->out_bytes > g->lim->max_member_bytes && g->out_bytes / g->lim->max_ratio > csize)
        return CM_FAIL("file '%s'%s%s%s: decompresses to more than %llu times its compressed size and more "
                       "than %llu bytes (the size limits); what follows could not be read or counted. Real "
                       "dumps hold no such member: if this one is genuine, raise --max-member or "
                       "--max-ratio",
                       s->file, *s->member ? ", member '" : "", s->member, *s->member ? "'" : "",
                       (unsigned long long)g->lim->max_ratio, (unsigned long long)g->lim->max_member_bytes);
      *got = produced;
      return CM_OK;
    }
    if (!g->member_done && g->st.avail_in == 0 && g->inner_eof)
      return CM_FAIL("file '%s'%s%s%s: truncated gzip stream (ends after %llu "
                     "compressed bytes); the file is incomplete, re-download it",
                     s->file, *s->member ? ", member '" : "", s->member, *s->member ? "'" : "",
                     (unsigned long long)g->in_bytes);
  }
}

static void gz_init(gz_src *g, src *inner, uint64_t compressed_size, const cm_read_limits *lim) {
  uint8_t *inbuf = g->inbuf;
  memset(g, 0, sizeof *g);
  g->inbuf = inbuf;
  g->base.read = gz_read;
  g->base.file = inner->file;
  g->base.member = inner->member;
  g->inner = inner;
  g->compressed_size = compressed_size;
  g->lim = lim;
  isal_inflate_init(&g->st);
  g->st.crc_flag = ISAL_GZIP;
}

/* ---- line splitting ---- */

static int is_blank_line(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return 0;
  return 1;
}

static int emit(const cm_line_sink *sink, cm_line_pos *pos, const uint8_t *p, size_t n) {
  if (is_blank_line(p, n)) return CM_OK;
  return sink->on_line(sink->user, pos, (const char *)p, n);
}

static int grow_line_buf(cm_reader *r, size_t cap) {
  uint8_t *p = realloc(r->line_buf, cap + CM_JSON_PADDING);
  CM_ALLOC(p, cap + CM_JSON_PADDING);
  r->line_buf = p;
  r->line_cap = cap;
  return CM_OK;
}

/* Reads source s to its end, calling the sink for each non-blank line. */
static int split_lines(cm_reader *r, src *s, cm_line_pos *pos, const cm_line_sink *sink, cm_read_stats *st) {
  size_t have = 0, scanned = 0;
  int skipping = 0;    /* inside an over-long line: drop bytes until '\n' */
  int bom_checked = 0; /* SPEC 1: a byte-order mark at the start is skipped */
  pos->line = 0;
  /* a line holds at most max_record bytes: the buffer never outgrows that */
  if (r->line_cap > r->lim.max_record + 1) CM_TRY(grow_line_buf(r, (size_t)r->lim.max_record + 1));
  for (;;) {
    if (have == r->line_cap) {
      if (r->line_cap < r->lim.max_record + 1) {
        size_t cap = r->line_cap * 2;
        if (cap > r->lim.max_record + 1) cap = r->lim.max_record + 1;
        CM_TRY(grow_line_buf(r, cap));
      } else {
        cm_line_pos at = *pos;
        at.line++;
        CM_TRY(sink->on_reject(sink->user, &at, "record larger than the size limit",
                               (const char *)r->line_buf, have < REJECT_HEAD ? have : REJECT_HEAD));
        skipping = 1;
        have = scanned = 0;
      }
    }
    size_t want = r->line_cap - have, got = 0;
    if (want > IO_CHUNK * 4) want = IO_CHUNK * 4;
    int rc = s->read(s, r->line_buf + have, want, &got);
    if (rc) return rc;
    st->bytes_out += got;
    if (got == 0) break;
    have += got;
    if (!bom_checked && (have >= 3 || pos->line > 0)) { /* a UTF-8 byte-order mark opening the stream */
      bom_checked = 1;
      if (pos->line == 0 && have >= 3 && memcmp(r->line_buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove(r->line_buf, r->line_buf + 3, have - 3);
        have -= 3;
      }
    }
    size_t start = 0;
    uint8_t *nl;
    while ((nl = memchr(r->line_buf + scanned, '\n', have - scanned)) != NULL) {
      size_t end = (size_t)(nl - r->line_buf);
      pos->line++;
      if (skipping)
        skipping = 0;
      else
        CM_TRY(emit(sink, pos, r->line_buf + start, end - start));
      start = scanned = end + 1;
    }
    scanned = have;
    if (skipping) {
      have = scanned = 0;
    } else if (start > 0) {
      memmove(r->line_buf, r->line_buf + start, have - start);
      have -= start;
      scanned -= start;
    }
  }
  if (have > 0 || skipping) {
    pos->line++;
    if (!skipping) CM_TRY(emit(sink, pos, r->line_buf, have));
  }
  return CM_OK;
}

/* ---- archives ---- */

static la_ssize_t arch_feed_cb(struct archive *a, void *client, const void **buff) {
  cm_reader *r = client;
  size_t got = 0;
  int rc = r->arch_feed->read(r->arch_feed, r->arch_buf, IO_CHUNK, &got);
  if (rc) {
    r->arch_feed_rc = rc;
    archive_set_error(a, EIO, "compressed stream error (see the message above)");
    return -1;
  }
  *buff = r->arch_buf;
  return (la_ssize_t)got;
}

static int read_members(cm_reader *r, struct archive *a, const cm_file *f, const cm_line_sink *sink,
                        cm_read_stats *st) {
  struct archive_entry *e;
  char last[1024] = "(start of archive)";
  uint64_t index = 0;
  for (;;) {
    int h = archive_read_next_header(a, &e);
    if (h == ARCHIVE_EOF) break;
    if (h == ARCHIVE_WARN)
      cm_warn("file '%s', member after '%s': %s", f->path, last, archive_error_string(a));
    else if (h != ARCHIVE_OK)
      return r->arch_feed_rc ? r->arch_feed_rc
                             : CM_FAIL("file '%s': broken archive after member '%s': "
                                       "%s; re-create or re-download it",
                                       f->path, last, archive_error_string(a));
    const char *name = archive_entry_pathname(e);
    if (!name) name = "(unnamed)";
    snprintf(last, sizeof last, "%s", name);
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    index++;
    cm_kind k = cm_kind_of(name);
    if (k == CM_KIND_MANIFEST) {
      st->skipped_manifest++;
      continue;
    }
    if (k == CM_KIND_OTHER) {
      st->skipped_other++;
      continue;
    }
    if (k == CM_KIND_TAR || k == CM_KIND_TARGZ || k == CM_KIND_ZIP) {
      st->skipped_nested++;
      continue;
    }
    st->members++;
    arch_src as = {{arch_read, f->path, last}, a};
    cm_line_pos pos = {f->path, last, index, 0};
    int rc;
    if (k == CM_KIND_GZ) {
      uint64_t csize = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e) : 0;
      gz_init(&r->gz[1], &as.base, csize, &r->lim);
      rc = split_lines(r, &r->gz[1].base, &pos, sink, st);
    } else {
      rc = split_lines(r, &as.base, &pos, sink, st);
    }
    if (rc) return r->arch_feed_rc ? r->arch_feed_rc : rc;
  }
  return CM_OK;
}

static int read_archive(cm_reader *r, const cm_file *f, cm_kind kind, int fd, const cm_line_sink *sink,
                        cm_read_stats *st) {
  struct archive *a = archive_read_new();
  if (!a) return CM_FAIL("out of memory creating an archive reader for '%s'", f->path);
  int rc = CM_OK, orc;
  fd_src fs = {{fd_read, f->path, ""}, fd};
  r->arch_feed_rc = 0;
  if (kind == CM_KIND_ZIP) {
    archive_read_support_format_zip(a);
    orc = archive_read_open_fd(a, fd, IO_CHUNK);
  } else {
    archive_read_support_format_tar(a);
    if (kind == CM_KIND_TARGZ) {
      gz_init(&r->gz[0], &fs.base, f->size, &r->lim);
      r->arch_feed = &r->gz[0].base;
    } else {
      r->arch_feed = &fs.base;
    }
    orc = archive_read_open(a, r, NULL, arch_feed_cb, NULL);
  }
  if (orc != ARCHIVE_OK)
    rc = r->arch_feed_rc ? r->arch_feed_rc
                         : CM_FAIL("file '%s': cannot open as %s archive: %s; re-create "
                                   "or re-download it",
                                   f->path, kind == CM_KIND_ZIP ? "zip" : "tar", archive_error_string(a));
  else
    rc = read_members(r, a, f, sink, st);
  archive_read_free(a);
  return rc;
}

/* ---- public ---- */

int cm_reader_new(const cm_read_limits *lim, cm_reader **out) {
  cm_reader *r = calloc(1, sizeof *r);
  CM_ALLOC(r, sizeof *r);
  r->lim = *lim;
  if (grow_line_buf(r, LINE_BUF_START) != CM_OK) {
    free(r);
    return CM_ERR;
  }
  r->arch_buf = malloc(IO_CHUNK);
  r->gz[0].inbuf = malloc(IO_CHUNK);
  r->gz[1].inbuf = malloc(IO_CHUNK);
  if (!r->arch_buf || !r->gz[0].inbuf || !r->gz[1].inbuf) {
    cm_reader_free(r);
    return CM_FAIL("out of memory allocating reader buffers");
  }
  *out = r;
  return CM_OK;
}

void cm_reader_free(cm_reader *r) {
  if (!r) return;
  free(r->line_buf);
  free(r->arch_buf);
  free(r->gz[0].inbuf);
  free(r->gz[1].inbuf);
  free(r);
}

int cm_reader_read(cm_reader *r, const cm_file *f, const cm_line_sink *sink, cm_read_stats *st) {
  cm_kind kind = cm_kind_of(f->path);
  if (kind == CM_KIND_MANIFEST) {
    st->skipped_manifest++;
    return CM_OK;
  }
  if (kind == CM_KIND_OTHER) {
    st->skipped_other++;
    return CM_OK;
  }
  int fd = open(f->path, O_RDONLY);
  if (fd < 0) return CM_FAIL("cannot open input file '%s': %s", f->path, strerror(errno));
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  int rc;
  fd_src fs = {{fd_read, f->path, ""}, fd};
  cm_line_pos pos = {f->path, "", 0, 0};
  if (kind == CM_KIND_PLAIN) {
    rc = split_lines(r, &fs.base, &pos, sink, st);
  } else if (kind == CM_KIND_GZ) {
    gz_init(&r->gz[0], &fs.base, f->size, &r->lim);
    rc = split_lines(r, &r->gz[0].base, &pos, sink, st);
  } else {
    rc = read_archive(r, f, kind, fd, sink, st);
  }
  st->bytes_in += f->size;
  /* The dumps are read once: their pages leave the page cache now rather
   * than pushing out the store being written, which analyze reads next (at
   * report scale 22 GB of dumps and an 11 GB store meet in 24 GB). */
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
  return rc;
}
