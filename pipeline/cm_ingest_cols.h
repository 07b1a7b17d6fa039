/* The columns one rank builds from the records of one corpus (ingest's
 * in-memory form, before the store), the per-corpus counts, and the
 * conversion of a parsed record into a row. Nothing here is collective. */
#ifndef CM_INGEST_COLS_H
#define CM_INGEST_COLS_H

#include <stdint.h>

#include "cm_buf.h"
#include "cm_columns.h"
#include "cm_json.h"
#include "cm_reader.h"

/* A row's record id: the index of its input file (in sorted order) above
 * this many bits, its record sequence in the file below. */
#define CM_RECORD_SEQ_BITS 40

/* Columns of one corpus on one rank. Patents use the first block, works the
 * second; record_id and key are shared. */
typedef struct {
  cm_buf claimed;   /* uint64 pairs [lo, hi): the runs of input files this rank read, in order */
  cm_buf record_id; /* uint64: file index << 40 | record sequence in the file */
  cm_strcol key;    /* publication_number (trimmed, upper) / work id key */
  /* patents */
  cm_strcol office, family;
  cm_buf date;       /* int64 YYYYMMDD, 0 unknown */
  cm_buf asg_source; /* uint8 */
  cm_listcol asg_name, asg_country, cited, npl;
  /* works */
  cm_strcol doi, title, type, field, topic_id, topic_name, first_author;
  cm_buf year, has_year, cites; /* int64, uint8, int64 */
  cm_listcol countries, inst_id, inst_name, inst_country;
} cm_corpus_cols;

typedef struct {
  uint64_t lines, rejects, records, duplicates, kept;
  cm_read_stats rs;
  double t_read, t_dedup, t_write; /* t_write: this rank's share of the store write */
  double busy[2];                  /* the least and most time a rank spent reading (balance) */
  uint64_t wrong_type[CM_WT_N];    /* values read as missing because of their type (cm_json.h) */
} cm_corpus_totals;

/* The wrong-type counters of corpus k (0 patents, 1 works): [first, end). */
int cm_wt_first(int k);
int cm_wt_end(int k);

int cm_cols_init(cm_corpus_cols *c);
void cm_cols_free(cm_corpus_cols *c);
/* Keeps only the rows whose keep[i] is nonzero, in order. */
int cm_cols_compact(cm_corpus_cols *c, const uint8_t *keep);
/* A parsed record as a new row (codes trimmed and upper-cased, keys cut
 * after the last '/', a work's country set, ...: docs/store.md). */
int cm_cols_append_patent(cm_corpus_cols *c, const cm_patent *p);
int cm_cols_append_work(cm_corpus_cols *c, const cm_work *w, cm_buf *scratch);

#endif
