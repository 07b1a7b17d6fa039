/* What citemill may write, replace or remove (SPEC 1: outputs never
 * overwrite or delete what citemill did not write). Every command checks
 * its output paths here before any work starts, on rank 0, and the ranks
 * agree on the result:
 *  - an output path must not be an input, nor lie inside an input folder,
 *    and no input may lie inside a folder citemill replaces whole;
 *  - an existing file in an output's place must be citemill's own: an HDF5
 *    file with citemill's root attributes, or a file that opens with
 *    citemill's signature (manifest, report, run.json, rejects CSV);
 *  - folders citemill owns (an analysis, a rejects folder, a generated
 *    corpus) carry a record, `.citemill`, naming their kind and the files
 *    citemill writes there; such a folder is replaced or removed only when
 *    everything in it is one of those files (or a kind's own file name, for
 *    folders of earlier versions without a record), and only those go.
 * Anything else in the way is an error that names it. Nothing here is
 * collective. */
#ifndef CM_OUTPUTS_H
#define CM_OUTPUTS_H

#include <stddef.h>

/* Kinds of single files citemill writes, recognised by their content. */
typedef enum {
  CM_OUT_H5,       /* HDF5 with the root attribute citemill_version (store, links, results) */
  CM_OUT_MANIFEST, /* `citemill run`'s manifest */
  CM_OUT_REPORT,   /* report.html */
  CM_OUT_RUN_JSON, /* run.json */
  CM_OUT_REJECTS,  /* a rejects CSV (its header row) */
} cm_out_kind;

/* A kind of folder citemill owns: its name in the record, and the files
 * (relative paths; fnmatch patterns) that kind writes besides those its
 * record lists. A file name's `NAME.tmp` twin is the kind's too, and so is a
 * folder on the way to one of the names. */
typedef struct {
  const char *kind;
  const char *const *names;
  size_t n;
} cm_dir_spec;

/* path may become (or be replaced by) an output of kind k: it is absent, or
 * a regular file of that kind. Its temporary twin path.tmp, when present,
 * must be a regular file (a killed run's). what: the option naming it. */
int cm_out_file_ok(const char *path, cm_out_kind k, const char *what);

/* out is not an input and lies inside none of the n input paths (files or
 * folders). what: the option that named out, for the message. */
int cm_out_not_input(const char *out, const char *what, char *const *inputs, int n);
/* No input lies inside dir (a folder citemill replaces or writes into). */
int cm_out_holds_no_input(const char *dir, const char *what, char *const *inputs, int n);

/* Folder dir may serve as an owned folder of spec s: absent, empty, or
 * holding only files of s and of its record. *exists (may be NULL) tells
 * whether it exists. */
int cm_dir_ok(const char *dir, const cm_dir_spec *s, int *exists);
/* Creates dir (and its parents) with a record of s listing `names` (n
 * relative paths: the files citemill is about to write there). An existing
 * folder (cm_dir_ok) keeps its entries and gets the record. */
int cm_dir_create(const char *dir, const cm_dir_spec *s, const char *const *names, size_t n);
/* Removes an owned folder of s: the files it may hold (cm_dir_ok), its
 * folders, then itself. Absent is fine; a foreign entry fails, naming it,
 * and nothing is removed. */
int cm_dir_remove(const char *dir, const cm_dir_spec *s);

/* mkdir -p, for the parents of an output. */
int cm_mkdirs(const char *path);

#endif
