/* Input discovery (SPEC 1/5): every file under every path argument of one
 * corpus, sorted byte-wise by the path as formed from the argument, each path
 * once; and the container kind of a file or archive member by its name. */
#ifndef CM_FILES_H
#define CM_FILES_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"

typedef struct {
  char *path;
  uint64_t size; /* bytes on disk */
  int64_t mtime; /* seconds since the epoch */
} cm_file;

typedef struct {
  cm_file *v;
  size_t n;
} cm_filelist;

typedef enum {
  CM_KIND_PLAIN,    /* .json .jsonl .ndjson */
  CM_KIND_GZ,       /* .gz (JSON Lines inside) */
  CM_KIND_TAR,      /* .tar */
  CM_KIND_TARGZ,    /* .tar.gz .tgz */
  CM_KIND_ZIP,      /* .zip */
  CM_KIND_MANIFEST, /* manifest, manifest.json: not records */
  CM_KIND_OTHER     /* anything else: skipped */
} cm_kind;

/* Kind of a file or member by its (lower-cased) name end. Not collective. */
cm_kind cm_kind_of(const char *name);

/* Walks the paths (files or directories, recursively), sorts, de-duplicates.
 * A path that does not exist fails with a message. Not collective. */
int cm_files_collect(char *const *paths, int npaths, const char *corpus, cm_filelist *out);

/* Rank `root`'s list is broadcast to every rank of comm. Collective. */
int cm_files_bcast(MPI_Comm comm, int root, cm_filelist *list);

void cm_filelist_free(cm_filelist *list);

/* Reads a whole (small) file into out, NUL-terminated (the NUL is not
 * counted in out->len). what names it in messages ("alias table"). Not
 * collective. */
int cm_file_read_all(const char *path, const char *what, cm_buf *out);

#endif
