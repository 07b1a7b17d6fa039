/* Container reader: turns one input file (plain JSON Lines, .gz single or
 * multi-member, .tar, .tar.gz/.tgz, .zip) into a stream of lines, with
 * bounded, reused buffers. Never holds a whole file in memory.
 *
 * gzip is inflated by ISA-L (2.7x zlib here, docs/performance.md); tar and zip
 * structure is parsed by libarchive, fed by ISA-L for .tar.gz.
 * Nothing here is collective. */
#ifndef CM_READER_H
#define CM_READER_H

#include <stddef.h>
#include <stdint.h>

#include "cm_files.h"

typedef struct {
  uint64_t max_record;       /* a line longer than this is a reject (64 MiB) */
  uint64_t max_ratio;        /* a member over max_ratio x compressed size ... */
  uint64_t max_member_bytes; /* ... and over this many bytes fails the read (SPEC 1) */
} cm_read_limits;

typedef struct {
  const char *file;
  const char *member;    /* "" when the lines are the file itself */
  uint64_t member_index; /* 0 for the file itself, 1.. for archive members */
  uint64_t line;         /* physical line number, from 1 */
} cm_line_pos;

typedef struct {
  /* Each non-blank line. `line` is followed by >= CM_JSON_PADDING readable
   * bytes. A nonzero return stops the read and is returned. */
  int (*on_line)(void *user, const cm_line_pos *pos, const char *line, size_t len);
  /* A record longer than max_record: a reject, the run goes on. */
  int (*on_reject)(void *user, const cm_line_pos *pos, const char *reason, const char *head, size_t head_len);
  void *user;
} cm_line_sink;

typedef struct {
  uint64_t members;          /* archive members read as records */
  uint64_t skipped_manifest; /* manifest files or members */
  uint64_t skipped_other;    /* files or members of another kind */
  uint64_t skipped_nested;   /* archives inside archives */
  uint64_t bytes_in;         /* bytes of input files read */
  uint64_t bytes_out;        /* bytes of JSON text produced */
} cm_read_stats;

typedef struct cm_reader cm_reader;

int cm_reader_new(const cm_read_limits *lim, cm_reader **out);
/* Reads one file through the sink. A file that cannot be read to its end
 * (truncated or empty gzip, broken archive, I/O error, a member over the size
 * limits) fails with a message naming the file and member. A UTF-8 byte-order
 * mark opening a file or member is skipped; zero bytes padding a gzip file
 * after its last member are ignored (as gzip does). */
int cm_reader_read(cm_reader *r, const cm_file *f, const cm_line_sink *sink, cm_read_stats *st);
void cm_reader_free(cm_reader *r);

#endif
