/* `ingest --refresh` (and `citemill run` when inputs were added) reads only
 * the files the previous store does not hold. It applies when every file of
 * the previous store is still an input with the same size and modification
 * time, the store was made with the same record limits, and every dataset
 * of it matches its checksum; otherwise the ingest is a full one. Old rows
 * are read from the store file by file (the store keeps each file's first
 * row, `input_first_row`) and take the place of parsing that file; their
 * rejects come from the old rejects file. The store's rows had the duplicate
 * rule applied among old files already, and a row that lost then loses now
 * too, so the result equals a fresh ingest. */
#ifndef CM_INGEST_REFRESH_H
#define CM_INGEST_REFRESH_H

#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>

#include "cm_config.h"
#include "cm_files.h"
#include "cm_ingest_cols.h"

typedef struct {
  int active[2]; /* per corpus: patents, works */
  hid_t file;
  cm_filelist files[2];
  uint64_t *first_row[2]; /* n + 1 each */
  uint64_t lines[2], rejects[2], records[2], dups[2];
  uint64_t wrong_type[2][CM_WT_N]; /* attributes wrong_type.<field> (0 when absent) */
  cm_strcol rej_cells[2];          /* old rejects files, 5 cells a row, header first */
  size_t rej_rows[2];
  cm_strcol dict[3]; /* office, type, field */
} cm_base_store;

/* Collective: opens the previous store for --refresh and decides, the same
 * on every rank, whether the refresh applies (b->active). */
int cm_base_open(MPI_Comm comm, const cm_config *cfg, const char *rej_dir, cm_base_store *b);
/* Collective (closes the previous store). */
void cm_base_free(cm_base_store *b);
/* After the file lists are known: every old file must still be an input,
 * or corpus k is read whole. Not collective (the lists are everyone's). */
int cm_base_check_superset(MPI_Comm comm, cm_base_store *b, int k, const cm_filelist *fl,
                           const cm_config *cfg);
/* Index of input file f among the old files of corpus k, or -1. */
int64_t cm_base_index(const cm_base_store *b, int k, const cm_file *f);
/* Not collective: the old rows of file j (old index) of corpus k, as rows of
 * input file `file_index`, with that file's rejects copied to rej. */
int cm_base_append_file(const cm_base_store *b, int k, int64_t j, uint64_t file_index, cm_corpus_cols *c,
                        FILE *rej, cm_buf *scratch);

#endif
