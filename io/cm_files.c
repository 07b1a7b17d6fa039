#include "cm_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cm_buf.h"
#include "cm_error.h"

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

cm_kind cm_kind_of(const char *name) {
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  if (strcasecmp(base, "manifest") == 0 || strcasecmp(base, "manifest.json") == 0) return CM_KIND_MANIFEST;
  if (ends_with(base, ".tar.gz") || ends_with(base, ".tgz")) return CM_KIND_TARGZ;
  if (ends_with(base, ".tar")) return CM_KIND_TAR;
  if (ends_with(base, ".zip")) return CM_KIND_ZIP;
  if (ends_with(base, ".gz")) return CM_KIND_GZ;
  if (ends_with(base, ".json") || ends_with(base, ".jsonl") || ends_with(base, ".ndjson"))
    return CM_KIND_PLAIN;
  return CM_KIND_OTHER;
}

typedef struct {
  cm_file *v;
  size_t n, cap;
} file_vec;

static int add_file(file_vec *fv, const char *path, const struct stat *st) {
  if (fv->n == fv->cap) {
    size_t cap = fv->cap ? fv->cap * 2 : 64;
    cm_file *v = realloc(fv->v, cap * sizeof *v);
    CM_ALLOC(v, cap * sizeof *v);
    fv->v = v;
    fv->cap = cap;
  }
  char *p = strdup(path);
  CM_ALLOC(p, strlen(path) + 1);
  fv->v[fv->n++] = (cm_file){p, (uint64_t)st->st_size, (int64_t)st->st_mtime};
  return CM_OK;
}

static int walk(file_vec *fv, const char *path, const char *corpus) {
  struct stat st;
  if (stat(path, &st) != 0)
    return CM_FAIL("%s input '%s' cannot be read: %s; check the path", corpus, path, strerror(errno));
  if (S_ISREG(st.st_mode)) return add_file(fv, path, &st);
  if (!S_ISDIR(st.st_mode)) return CM_OK; /* sockets, devices: not inputs */
  DIR *d = opendir(path);
  if (!d) return CM_FAIL("%s input directory '%s' cannot be opened: %s", corpus, path, strerror(errno));
  struct dirent *e;
  int rc = CM_OK;
  while (rc == CM_OK && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    size_t n = strlen(path) + strlen(e->d_name) + 2;
    char *child = malloc(n);
    if (!child) {
      rc = CM_FAIL("out of memory walking '%s'", path);
      break;
    }
    snprintf(child, n, "%s/%s", path, e->d_name);
    rc = walk(fv, child, corpus);
    free(child);
  }
  closedir(d);
  return rc;
}

static int cmp_path(const void *a, const void *b) {
  return strcmp(((const cm_file *)a)->path, ((const cm_file *)b)->path);
}

int cm_files_collect(char *const *paths, int npaths, const char *corpus, cm_filelist *out) {
  file_vec fv = {0};
  for (int i = 0; i < npaths; i++) {
    /* The path "as formed from the argument": strip trailing slashes so that
     * "dir/" and "dir" name the same files. */
    char *arg = strdup(paths[i]);
    CM_ALLOC(arg, strlen(paths[i]) + 1);
    size_t n = strlen(arg);
    while (n > 1 && arg[n - 1] == '/')
      arg[--n] = '\0';
    int rc = walk(&fv, arg, corpus);
    free(arg);
    if (rc) {
      cm_filelist_free(&(cm_filelist){fv.v, fv.n});
      return rc;
    }
  }
  if (fv.n) qsort(fv.v, fv.n, sizeof *fv.v, cmp_path);
  size_t w = 0; /* a path reached twice is read once */
  for (size_t i = 0; i < fv.n; i++) {
    if (w > 0 && strcmp(fv.v[w - 1].path, fv.v[i].path) == 0) {
      free(fv.v[i].path);
      continue;
    }
    fv.v[w++] = fv.v[i];
  }
  out->v = fv.v;
  out->n = w;
  return CM_OK;
}

/* Not collective: the list as bytes (count, then per file: path length,
 * path, size, mtime). */
static int pack_list(const cm_filelist *list, cm_buf *b) {
  CM_TRY(cm_buf_push_u64(b, list->n));
  for (size_t i = 0; i < list->n; i++) {
    uint64_t len = strlen(list->v[i].path);
    CM_TRY(cm_buf_push_u64(b, len));
    CM_TRY(cm_buf_append(b, list->v[i].path, len));
    CM_TRY(cm_buf_push_u64(b, list->v[i].size));
    CM_TRY(cm_buf_push_i64(b, list->v[i].mtime));
  }
  return CM_OK;
}

static int unpack_list(const cm_buf *b, cm_filelist *list) {
  cm_cursor q = cm_cursor_of(b);
  uint64_t n = cm_cursor_u64(&q);
  list->v = calloc(n ? n : 1, sizeof *list->v);
  CM_ALLOC(list->v, (n ? n : 1) * sizeof *list->v);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t len = cm_cursor_u64(&q);
    list->v[i].path = malloc(len + 1);
    CM_ALLOC(list->v[i].path, len + 1);
    list->n = i + 1;
    memcpy(list->v[i].path, cm_cursor_bytes(&q, len), len);
    list->v[i].path[len] = '\0';
    list->v[i].size = cm_cursor_u64(&q);
    list->v[i].mtime = (int64_t)cm_cursor_u64(&q);
  }
  return CM_OK;
}

int cm_files_bcast(MPI_Comm comm, int root, cm_filelist *list) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  cm_buf b = {0};
  int rc = rank == root ? pack_list(list, &b) : CM_OK;
  if (rc == CM_OK && b.len > (uint64_t)INT32_MAX) rc = CM_FAIL("input file list too large to broadcast");
  uint64_t nbytes = b.len;
  rc = cm_agree(comm, rc);
  if (rc == CM_OK) CM_MPI(MPI_Bcast(&nbytes, 1, MPI_UINT64_T, root, comm));
  if (rc == CM_OK) rc = cm_agree(comm, rank != root ? cm_buf_reserve(&b, nbytes) : CM_OK);
  if (rc == CM_OK) CM_MPI(MPI_Bcast(b.data, (int)nbytes, MPI_BYTE, root, comm));
  if (rc == CM_OK && rank != root) {
    b.len = nbytes;
    rc = unpack_list(&b, list);
  }
  cm_buf_free(&b);
  return cm_agree(comm, rc);
}

void cm_filelist_free(cm_filelist *list) {
  for (size_t i = 0; i < list->n; i++)
    free(list->v[i].path);
  free(list->v);
  list->v = NULL;
  list->n = 0;
}

int cm_file_read_all(const char *path, const char *what, cm_buf *out) {
  FILE *f = fopen(path, "rb");
  if (!f) return CM_FAIL("cannot open %s '%s': %s", what, path, strerror(errno));
  out->len = 0;
  char chunk[65536];
  size_t k;
  int rc = CM_OK;
  while (rc == CM_OK && (k = fread(chunk, 1, sizeof chunk, f)) > 0)
    rc = cm_buf_append(out, chunk, k);
  if (rc == CM_OK && ferror(f)) rc = CM_FAIL("cannot read %s '%s'", what, path);
  fclose(f);
  if (rc == CM_OK) rc = cm_buf_reserve(out, 1);
  if (rc == CM_OK) out->data[out->len] = 0;
  return rc;
}
