#include "cm_outputs.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <hdf5.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cm_buf.h"
#include "cm_error.h"
#include "cm_files.h"
#include "cm_text.h"

#define RECORD ".citemill"

/* ---- paths ---- */

/* The absolute path of `path` with every link of its existing part
 * resolved (realpath of the longest existing prefix, then the rest). */
static int resolve(const char *path, char *out) {
  char buf[PATH_MAX], rest[PATH_MAX] = "";
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return CM_FAIL("path too long: '%s'", path);
  for (;;) {
    if (realpath(*buf ? buf : ".", out)) break;
    if (errno != ENOENT && errno != ENOTDIR) return CM_FAIL("cannot resolve '%s': %s", path, strerror(errno));
    char *slash = strrchr(buf, '/');
    char tail[PATH_MAX];
    CM_TRY(cm_path(tail, sizeof tail, "/%s%s", slash ? slash + 1 : buf, rest));
    snprintf(rest, sizeof rest, "%s", tail);
    if (!slash) {
      buf[0] = '\0';
    } else if (slash == buf) {
      buf[1] = '\0'; /* the root */
    } else {
      *slash = '\0';
    }
  }
  size_t n = strlen(out);
  if (n == 1 && out[0] == '/' && rest[0] == '/') n = 0; /* no "//" after the root */
  if (n + strlen(rest) >= PATH_MAX) return CM_FAIL("path too long: '%s'", path);
  strcpy(out + n, rest);
  return CM_OK;
}

/* a equals b or lies inside it (both resolved). */
static int within(const char *a, const char *b) {
  size_t n = strlen(b);
  if (strncmp(a, b, n) != 0) return 0;
  return a[n] == '\0' || a[n] == '/' || (n == 1 && b[0] == '/');
}

int cm_out_not_input(const char *out, const char *what, char *const *inputs, int n) {
  char o[PATH_MAX], in[PATH_MAX];
  CM_TRY(resolve(out, o));
  struct stat so, si;
  int have_o = stat(out, &so) == 0;
  for (int i = 0; i < n; i++) {
    CM_TRY(resolve(inputs[i], in));
    int same = have_o && stat(inputs[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino;
    if (same || within(o, in))
      return CM_FAIL("%s '%s' is the input '%s' or lies inside it: citemill would overwrite its own "
                     "input; choose an output path outside every input",
                     what, out, inputs[i]);
  }
  return CM_OK;
}

int cm_out_holds_no_input(const char *dir, const char *what, char *const *inputs, int n) {
  char d[PATH_MAX], in[PATH_MAX];
  CM_TRY(resolve(dir, d));
  for (int i = 0; i < n; i++) {
    CM_TRY(resolve(inputs[i], in));
    if (within(in, d))
      return CM_FAIL("the input '%s' lies inside %s '%s', which citemill writes and replaces; move the "
                     "input or choose another output",
                     inputs[i], what, dir);
  }
  return CM_OK;
}

int cm_mkdirs(const char *path) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return CM_FAIL("path too long: '%s'", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(buf, 0777); /* an existing parent is fine; a real failure shows below */
      *p = '/';
    }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return CM_FAIL("cannot create folder '%s': %s", path, strerror(errno));
  struct stat sb;
  if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode)) return CM_FAIL("'%s' exists and is not a folder", path);
  return CM_OK;
}

/* ---- single files ---- */

/* HDF5 with the root attribute citemill_version. */
static int is_citemill_h5(const char *path) {
  H5E_auto2_t fn;
  void *data;
  H5Eget_auto2(H5E_DEFAULT, &fn, &data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* probing: a foreign file is no error here */
  int ours = 0;
  if (H5Fis_hdf5(path) > 0) {
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0) {
      ours = H5Aexists(f, "citemill_version") > 0;
      H5Fclose(f);
    }
  }
  H5Eset_auto2(H5E_DEFAULT, fn, data);
  return ours;
}

static int starts_with_file(const char *path, const char *text, size_t window) {
  char buf[1024];
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(buf, 1, window < sizeof buf - 1 ? window : sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return window == strlen(text) ? strncmp(buf, text, window) == 0 : strstr(buf, text) != NULL;
}

static int is_kind(const char *path, cm_out_kind k) {
  switch (k) {
  case CM_OUT_H5:
    return is_citemill_h5(path);
  case CM_OUT_MANIFEST:
    return starts_with_file(path, "# citemill run manifest", 23);
  case CM_OUT_REPORT:
    return starts_with_file(path, "<title>citemill report</title>", 512);
  case CM_OUT_RUN_JSON:
    return starts_with_file(path, "{\n  \"citemill_version\"", 22);
  case CM_OUT_REJECTS:
    return starts_with_file(path, "file,member,line,reason,first_bytes\n", 36);
  }
  return 0;
}

int cm_out_file_ok(const char *path, cm_out_kind k, const char *what) {
  struct stat sb;
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return CM_FAIL("path too long: '%s'", path);
  if (stat(tmp, &sb) == 0 && !S_ISREG(sb.st_mode))
    return CM_FAIL("'%s' (the temporary name of %s '%s') exists and is not a regular file; citemill will not "
                   "replace it",
                   tmp, what, path);
  if (stat(path, &sb) != 0) {
    if (errno == ENOENT) return CM_OK;
    return CM_FAIL("cannot check %s '%s': %s", what, path, strerror(errno));
  }
  if (!S_ISREG(sb.st_mode))
    return CM_FAIL("%s '%s' exists and is not a regular file (a folder, device or other); citemill will not "
                   "replace it: choose another path",
                   what, path);
  if (!is_kind(path, k))
    return CM_FAIL("%s '%s' exists and was not written by citemill; citemill will not replace it: move it "
                   "away or choose another path",
                   what, path);
  return CM_OK;
}

/* ---- owned folders ---- */

/* The record's names, one a line after the kind line; NULL text when the
 * folder has none. */
typedef struct {
  char *text;
  const char **v;
  size_t n;
} record;

static void record_free(record *r) {
  free(r->text);
  free(r->v);
  memset(r, 0, sizeof *r);
}

static int record_read(const char *dir, const cm_dir_spec *s, record *r) {
  memset(r, 0, sizeof *r);
  char path[PATH_MAX];
  CM_PATH(path, "%s/%s", dir, RECORD);
  struct stat sb;
  if (stat(path, &sb) != 0) return CM_OK; /* no record */
  cm_buf b = {0};
  int rc = cm_file_read_all(path, "record", &b);
  if (rc != CM_OK) {
    cm_buf_free(&b);
    return rc;
  }
  r->text = (char *)b.data;
  char want[128];
  CM_PATH(want, "citemill %s\n", s->kind);
  if (strncmp(r->text, want, strlen(want)) != 0) {
    char *nl = strchr(r->text, '\n');
    if (nl) *nl = '\0';
    rc = CM_FAIL("'%s' holds a record of another kind ('%.60s'), not a citemill %s; choose another path", dir,
                 r->text, s->kind);
    record_free(r);
    return rc;
  }
  size_t cap = 16;
  r->v = malloc(cap * sizeof *r->v);
  if (!r->v) {
    record_free(r);
    return CM_FAIL("out of memory");
  }
  for (char *line = r->text + strlen(want), *nl; *line; line = nl + 1) {
    nl = strchr(line, '\n');
    if (!nl) break;
    *nl = '\0';
    if (r->n == cap) {
      const char **nv = realloc(r->v, 2 * cap * sizeof *nv);
      if (!nv) {
        record_free(r);
        return CM_FAIL("out of memory");
      }
      r->v = nv, cap *= 2;
    }
    if (*line) r->v[r->n++] = line;
  }
  return CM_OK;
}

static int name_matches(const char *rel, const char *pattern) {
  char tmp[PATH_MAX];
  if (fnmatch(pattern, rel, FNM_PATHNAME | FNM_PERIOD) == 0) return 1;
  CM_PATH(tmp, "%s.tmp", pattern); /* a temporary twin of the kind's own file */
  return fnmatch(tmp, rel, FNM_PATHNAME | FNM_PERIOD) == 0;
}

/* rel is a file of the folder's kind: the record itself, a name of s, or a
 * name its record lists. */
static int allowed_file(const char *rel, const cm_dir_spec *s, const record *r) {
  if (strcmp(rel, RECORD) == 0) return 1;
  for (size_t i = 0; i < s->n; i++)
    if (name_matches(rel, s->names[i])) return 1;
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(rel, r->v[i]) == 0 || name_matches(rel, r->v[i])) return 1;
  return 0;
}

/* Folder rel lies on the way to a name of s or of the record. */
static int allowed_dir(const char *rel, const cm_dir_spec *s, const record *r) {
  size_t n = strlen(rel);
  for (size_t i = 0; i < s->n + r->n; i++) {
    const char *name = i < s->n ? s->names[i] : r->v[i - s->n];
    if (strncmp(name, rel, n) == 0 && name[n] == '/') return 1;
  }
  return 0;
}

/* Visits every entry under dir (rel: the path below the owned folder),
 * children before their folder. remove: unlink / rmdir as it goes; else
 * only checks. A foreign entry stops the walk with an error naming it. */
static int walk(const char *top, const char *rel, const cm_dir_spec *s, const record *r, int remove) {
  char path[PATH_MAX];
  CM_PATH(path, "%s%s%s", top, *rel ? "/" : "", rel);
  DIR *d = opendir(path);
  if (!d) return CM_FAIL("cannot read folder '%s': %s", path, strerror(errno));
  int rc = CM_OK;
  struct dirent *e;
  while (rc == CM_OK && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char sub[PATH_MAX], full[PATH_MAX];
    struct stat sb;
    rc = cm_path(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
    if (rc == CM_OK) rc = cm_path(full, sizeof full, "%s/%s", top, sub);
    if (rc != CM_OK) {
      break;
    } else if (lstat(full, &sb) != 0) {
      rc = CM_FAIL("cannot check '%s': %s", full, strerror(errno));
    } else if (S_ISDIR(sb.st_mode) && allowed_dir(sub, s, r)) {
      rc = walk(top, sub, s, r, remove);
      if (rc == CM_OK && remove && rmdir(full) != 0)
        rc = CM_FAIL("cannot remove folder '%s': %s", full, strerror(errno));
    } else if (S_ISDIR(sb.st_mode) || !S_ISREG(sb.st_mode) || !allowed_file(sub, s, r)) {
      rc = CM_FAIL("'%s' was not written by citemill, and it lies in the %s folder '%s' that citemill would "
                   "replace; move it away (nothing was changed)",
                   full, s->kind, top);
    } else if (remove && unlink(full) != 0) {
      rc = CM_FAIL("cannot remove '%s': %s", full, strerror(errno));
    }
  }
  closedir(d);
  return rc;
}

int cm_dir_ok(const char *dir, const cm_dir_spec *s, int *exists) {
  struct stat sb;
  if (exists) *exists = 0;
  if (stat(dir, &sb) != 0) {
    if (errno == ENOENT) return CM_OK;
    return CM_FAIL("cannot check '%s': %s", dir, strerror(errno));
  }
  if (!S_ISDIR(sb.st_mode))
    return CM_FAIL("'%s' exists and is not a folder; citemill will not replace it: choose another path", dir);
  if (exists) *exists = 1;
  record r;
  CM_TRY(record_read(dir, s, &r));
  int rc = walk(dir, "", s, &r, 0);
  record_free(&r);
  return rc;
}

int cm_dir_create(const char *dir, const cm_dir_spec *s, const char *const *names, size_t n) {
  CM_TRY(cm_mkdirs(dir));
  char path[PATH_MAX], tmp[PATH_MAX + 8];
  CM_PATH(path, "%s/%s", dir, RECORD);
  CM_PATH(tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return CM_FAIL("cannot write '%s': %s", tmp, strerror(errno));
  int bad = fprintf(f, "citemill %s\n", s->kind) < 0;
  for (size_t i = 0; i < n && !bad; i++)
    bad = fprintf(f, "%s\n", names[i]) < 0;
  if ((fclose(f) != 0) | bad) {
    remove(tmp);
    return CM_FAIL("writing '%s' failed (disk full?)", tmp);
  }
  if (rename(tmp, path) != 0) return CM_FAIL("cannot rename '%s': %s", tmp, strerror(errno));
  return CM_OK;
}

int cm_dir_remove(const char *dir, const cm_dir_spec *s) {
  int exists;
  CM_TRY(cm_dir_ok(dir, s, &exists)); /* nothing goes unless everything may */
  if (!exists) return CM_OK;
  record r;
  CM_TRY(record_read(dir, s, &r));
  int rc = walk(dir, "", s, &r, 1);
  record_free(&r);
  if (rc == CM_OK && rmdir(dir) != 0) rc = CM_FAIL("cannot remove folder '%s': %s", dir, strerror(errno));
  return rc;
}
