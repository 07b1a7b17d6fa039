#include "cm_ingest_read.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm_claim.h"
#include "cm_csv.h"
#include "cm_error.h"
#include "cm_json.h"
#include "cm_progress.h"
#include "cm_reader.h"
#include "cm_text.h"

typedef struct {
  uint64_t file;
  uint64_t rejects;
  uint64_t part_lo, part_hi; /* its lines' bytes in this rank's rejects part */
} file_rejects;

typedef struct {
  const cm_config *cfg;
  int patents; /* 1 patents, 0 works */
  const char *corpus;
  const cm_filelist *files;
  cm_json_parser *jp;
  cm_corpus_cols *c;
  uint64_t file_index, seq;
  FILE *rej;
  uint64_t rejects, lines, records;
  double lines_bound; /* most non-blank lines the corpus can hold (rejects_certain) */
  int rows_capped;    /* the threshold is certain to be passed: rejects counted, not written */
  file_rejects *per_file;
  size_t n_per_file;
  cm_buf scratch;
  /* progress (rank 0) */
  int show, n_ranks;
  double t0, last;
  uint64_t bytes_total, my_bytes_done;
  size_t my_files_done;
} ingest_ctx;

/* ---- rejects ---- */

static int reject_rate_passed(const cm_config *cfg, uint64_t rejects, uint64_t lines);

/* Whether this rank's rejects alone are past the threshold even if the
 * corpus held as many lines as it can (lines_bound): then the run fails
 * whatever the other files hold, and writing more rows would only fill the
 * disk (a small gzip of bad lines gave a rejects file of 723 MB). */
static int rejects_certain(const ingest_ctx *x) {
  return (double)x->rejects > x->cfg->reject_rate * x->lines_bound;
}

static int write_reject(ingest_ctx *x, const cm_line_pos *pos, const char *reason, const char *head,
                        size_t head_len) {
  x->rejects++;
  if (x->n_per_file) x->per_file[x->n_per_file - 1].rejects++;
  if (x->rows_capped) return CM_OK;
  if (rejects_certain(x)) {
    x->rows_capped = 1;
    cm_warn("%s: %" PRIu64 " rejects already pass --reject-rate whatever the rest holds; the run will fail, "
            "and further rejects are counted but not written to the rejects file",
            x->corpus, x->rejects);
  }
  cm_buf *b = &x->scratch;
  b->len = 0;
  CM_TRY(cm_csv_str(b, pos->file, 1));
  CM_TRY(cm_csv_str(b, pos->member, 0));
  CM_TRY(cm_csv_i64(b, (int64_t)pos->line, 0));
  CM_TRY(cm_csv_str(b, reason, 0));
  CM_TRY(cm_csv_field(b, head, head_len < 200 ? head_len : 200, 0));
  CM_TRY(cm_csv_end(b));
  if (fwrite(b->data, 1, b->len, x->rej) != b->len) return CM_FAIL("cannot write rejects file (disk full?)");
  return CM_OK;
}

static int on_reject(void *user, const cm_line_pos *pos, const char *reason, const char *head, size_t n) {
  ingest_ctx *x = user;
  x->lines++;
  return write_reject(x, pos, reason, head, n);
}

/* Rank 0's view: what it read itself, and the time left if every rank reads
 * as fast as rank 0. */
static void progress(ingest_ctx *x, int force) {
  double t = cm_now(), P = x->n_ranks;
  if (!x->show || (!force && t - x->last < 2.0)) return;
  x->last = t;
  double mb = (double)x->my_bytes_done / 1e6, el = t - x->t0;
  double rate = el > 0 ? mb / el : 0, left_mb = (double)x->bytes_total / 1e6 - P * mb;
  double left = rate > 0 && left_mb > 0 ? left_mb / (P * rate) : 0;
  char eta[64] = ", time left not known yet"; /* (rank 0 may be writing its share of the store) */
  if (P * mb >= 0.02 * (double)x->bytes_total / 1e6) snprintf(eta, sizeof eta, ", ~%.0f s left", left);
  printf("ingest %s: %zu files; rank 0 read %zu of them, %.1f MB compressed, %" PRIu64
         " records, %.1f MB/s; %.0f s elapsed%s\n",
         x->corpus, x->files->n, x->my_files_done, mb, x->records, rate, el, eta);
  fflush(stdout);
}

/* A line holding a JSON array (an API page saved to disk): one reject per
 * element (SPEC 1), so that the threshold sees the records it holds; an
 * empty array is one reject, as any line that is not a JSON object. */
static int reject_array(ingest_ctx *x, const cm_line_pos *pos, const char *line, size_t len) {
  size_t n = cm_json_array_size(x->jp);
  if (n == 0) return write_reject(x, pos, "an empty JSON array, not a JSON object", line, len);
  for (size_t i = 0; i < n; i++) {
    char why[160];
    size_t l;
    const char *head = cm_json_array_element(x->jp, i, &l);
    snprintf(why, sizeof why, "element %zu of %zu of a JSON array (one JSON object per line is expected)",
             i + 1, n);
    CM_TRY(write_reject(x, pos, why, head, l));
  }
  return CM_OK;
}

static int on_line(void *user, const cm_line_pos *pos, const char *line, size_t len) {
  ingest_ctx *x = user;
  x->lines++;
  char why[256];
  int rc;
  if (x->patents) {
    cm_patent p;
    rc = cm_json_parse_patent(x->jp, line, len, &p, why, sizeof why);
    if (rc == CM_JSON_OK) CM_TRY(cm_cols_append_patent(x->c, &p));
  } else {
    cm_work w;
    rc = cm_json_parse_work(x->jp, line, len, &w, why, sizeof why);
    if (rc == CM_JSON_OK) CM_TRY(cm_cols_append_work(x->c, &w, &x->scratch));
  }
  if (rc == CM_JSON_ARRAY) return reject_array(x, pos, line, len);
  if (rc != CM_JSON_OK) return write_reject(x, pos, why, line, len);
  if (x->seq >> CM_RECORD_SEQ_BITS) return CM_FAIL("file '%s' holds more than 2^40 records", pos->file);
  CM_TRY(cm_buf_push_u64(&x->c->record_id, (x->file_index << CM_RECORD_SEQ_BITS) | x->seq++));
  x->records++;
  if ((x->records & 4095) == 0) progress(x, 0);
  return CM_OK;
}

/* ---- reading one corpus ---- */

/* A rank's part of a corpus's rejects file, merged by merge_rejects. */
static void part_path(char *path, size_t len, const char *dir, const char *corpus, int rank) {
  snprintf(path, len, "%s/.%s.rank%06d.part", dir, corpus, rank);
}

static int open_rejects(const char *dir, const char *corpus, int rank, FILE **f, char *path, size_t len) {
  part_path(path, len, dir, corpus, rank);
  *f = fopen(path, "wb");
  if (!*f) return CM_FAIL("cannot create rejects file '%s': %s", path, strerror(errno));
  return CM_OK;
}

/* A file's reject lines: bytes [lo, hi) of a rank's part. */
typedef struct {
  uint64_t file, rank, lo, hi;
} reject_range;

static int by_file(const void *a, const void *b) {
  const reject_range *x = a, *y = b;
  return (x->file > y->file) - (x->file < y->file);
}

/* Not collective (rank 0): copies the ranges, in input-file order, from the
 * ranks' parts into `path`.tmp; cm_rejects_publish puts it in place once the
 * store it belongs to is (an ingest that dies later leaves the earlier
 * store's rejects file as it was). */
static int copy_reject_ranges(const char *dir, const char *corpus, const char *path, int P,
                              const reject_range *v, size_t n) {
  char tmp[CM_PATH_MAX], part[4200];
  CM_PATH(tmp, "%s.tmp", path);
  FILE **in = calloc((size_t)P, sizeof *in);
  FILE *o = fopen(tmp, "wb");
  int rc = !in  ? CM_FAIL("out of memory")
           : !o ? CM_FAIL("cannot write '%s': %s", tmp, strerror(errno))
                : CM_OK;
  if (rc == CM_OK && fputs("file,member,line,reason,first_bytes\n", o) < 0)
    rc = CM_FAIL("writing '%s' failed", tmp);
  for (int r = 0; r < P && rc == CM_OK; r++) {
    part_path(part, sizeof part, dir, corpus, r);
    if (!(in[r] = fopen(part, "rb"))) rc = CM_FAIL("rejects part '%s' is missing", part);
  }
  char buf[1 << 16];
  for (size_t i = 0; i < n && rc == CM_OK; i++) {
    FILE *f = in[v[i].rank];
    if (fseek(f, (long)v[i].lo, SEEK_SET) != 0) rc = CM_FAIL("cannot seek in a rejects part");
    for (uint64_t left = v[i].hi - v[i].lo; left > 0 && rc == CM_OK;) {
      size_t k = fread(buf, 1, left < sizeof buf ? (size_t)left : sizeof buf, f);
      if (k == 0)
        rc = CM_FAIL("a rejects part is shorter than written");
      else if (fwrite(buf, 1, k, o) != k)
        rc = CM_FAIL("writing '%s' failed", tmp);
      left -= k;
    }
  }
  for (int r = 0; in && r < P; r++)
    if (in[r]) fclose(in[r]);
  free(in);
  if (o && fclose(o) != 0 && rc == CM_OK) rc = CM_FAIL("writing '%s' failed", tmp);
  if (rc != CM_OK) remove(tmp);
  return rc;
}

/* Collective: the ranks' reject parts become one file, its lines in input
 * order (files in order; a file's lines as its reader wrote them), whatever
 * rank read which file. */
static int merge_rejects(MPI_Comm comm, const char *dir, const char *corpus, const file_rejects *pf,
                         size_t n_pf) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  size_t n = 0;
  reject_range *mine = malloc((n_pf ? n_pf : 1) * sizeof *mine);
  int *cnt = malloc((size_t)P * sizeof *cnt), *dis = malloc((size_t)P * sizeof *dis);
  int rc = cm_agree(comm, !mine || !cnt || !dis ? CM_FAIL("out of memory merging rejects") : CM_OK);
  reject_range *all = NULL;
  size_t n_all = 0;
  if (rc == CM_OK) {
    for (size_t i = 0; i < n_pf; i++)
      if (pf[i].part_hi > pf[i].part_lo)
        mine[n++] = (reject_range){pf[i].file, (uint64_t)rank, pf[i].part_lo, pf[i].part_hi};
    int words = (int)(4 * n);
    CM_MPI(MPI_Gather(&words, 1, MPI_INT, cnt, 1, MPI_INT, 0, comm));
    for (int r = 0; rank == 0 && r < P; r++) {
      dis[r] = (int)(4 * n_all);
      n_all += (size_t)cnt[r] / 4;
    }
    all = rank == 0 ? malloc((n_all ? n_all : 1) * sizeof *all) : NULL;
    rc = cm_agree(comm, rank == 0 && !all ? CM_FAIL("out of memory merging rejects") : CM_OK);
  }
  if (rc == CM_OK) {
    CM_MPI(MPI_Gatherv(mine, (int)(4 * n), MPI_UINT64_T, all, cnt, dis, MPI_UINT64_T, 0, comm));
    if (rank == 0) {
      char path[CM_PATH_MAX];
      CM_PATH(path, "%s/%s.csv", dir, corpus);
      qsort(all, n_all, sizeof *all, by_file);
      rc = copy_reject_ranges(dir, corpus, path, P, all, n_all);
      for (int r = 0; r < P; r++) {
        char part[CM_PATH_MAX];
        part_path(part, sizeof part, dir, corpus, r);
        remove(part);
      }
    }
    rc = cm_agree(comm, rc);
  }
  free(mine);
  free(cnt);
  free(dis);
  free(all);
  return rc;
}

/* Rejects pass the threshold (SPEC 5: rejects > rate x non-blank lines). */
static int reject_rate_passed(const cm_config *cfg, uint64_t rejects, uint64_t lines) {
  return (double)rejects > cfg->reject_rate * (double)lines;
}

/* Collective: fails naming the worst files when rejects pass the threshold. */
static int check_reject_rate(MPI_Comm comm, ingest_ctx *x, const cm_corpus_totals *t) {
  if (!reject_rate_passed(x->cfg, t->rejects, t->lines)) return CM_OK;
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  /* Each rank offers its worst file; rank 0 names the top ones. */
  uint64_t best[2] = {0, 0};
  for (size_t i = 0; i < x->n_per_file; i++) /* most rejects; of equals, the first file */
    if (x->per_file[i].rejects > best[0] ||
        (x->per_file[i].rejects == best[0] && best[0] > 0 && x->per_file[i].file < best[1]))
      best[0] = x->per_file[i].rejects, best[1] = x->per_file[i].file;
  uint64_t *all = malloc((size_t)P * 16);
  CM_AGREE(comm, all ? CM_OK : CM_FAIL("out of memory"));
  CM_MPI(MPI_Gather(best, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, 0, comm));
  if (rank == 0) {
    char names[2048] = "";
    size_t used = 0;
    for (int k = 0; k < 3; k++) {
      int pick = -1;
      for (int r = 0; r < P; r++)
        if (all[2 * r] > 0 && (pick < 0 || all[2 * r] > all[2 * pick] ||
                               (all[2 * r] == all[2 * pick] && all[2 * r + 1] < all[2 * pick + 1])))
          pick = r;
      if (pick < 0) break;
      used += (size_t)snprintf(names + used, used < sizeof names ? sizeof names - used : 0,
                               "%s'%s' (%" PRIu64 " rejects)", k ? ", " : "",
                               x->files->v[all[2 * pick + 1]].path, all[2 * pick]);
      all[2 * pick] = 0;
    }
    CM_FAIL("%s: %" PRIu64 " rejects in %" PRIu64 " lines exceed the limit of %g of lines; worst files: %s; "
            "see the rejects file, fix the input or raise --reject-rate",
            x->corpus, t->rejects, t->lines, x->cfg->reject_rate, names);
  }
  free(all);
  return CM_ERR_ALL; /* every rank took this branch: the counts are global */
}

/* Not collective: the position in this rank's rejects part. */
static int part_at(FILE *f, uint64_t *at) {
  long v = ftell(f);
  if (v < 0) return CM_FAIL("cannot tell the position in this rank's rejects part: %s", strerror(errno));
  *at = (uint64_t)v;
  return CM_OK;
}

/* Not collective: reads input file i (or takes its rows from the previous
 * store) into x's columns. */
static int read_file(ingest_ctx *x, cm_reader *reader, const cm_line_sink *sink, const cm_base_store *base,
                     size_t i, cm_corpus_totals *t) {
  int k = x->patents ? 0 : 1;
  const cm_file *f = &x->files->v[i];
  x->file_index = i;
  x->seq = 0;
  file_rejects *pf = &x->per_file[x->n_per_file++];
  *pf = (file_rejects){i, 0, 0, 0};
  CM_TRY(part_at(x->rej, &pf->part_lo)); /* this file's reject lines start here in the part */
  int64_t old = base->active[k] ? cm_base_index(base, k, f) : -1;
  int rc = old >= 0 ? cm_base_append_file(base, k, old, i, x->c, x->rej, &x->scratch)
                    : cm_reader_read(reader, f, sink, &t->rs);
  if (rc == CM_OK) rc = part_at(x->rej, &pf->part_hi);
  x->my_bytes_done += f->size;
  x->my_files_done++;
  return rc;
}

/* The most non-blank lines the corpus's files can hold (for
 * rejects_certain): a line takes at least 2 bytes (a character and '\n'),
 * and a gzip stream decompresses to at most --max-ratio times its size or
 * --max-member bytes, else the read fails. Zip members are inflated by
 * libarchive without that check: a corpus with a zip has no bound. The old
 * files of a refresh count with their known lines. */
static double lines_bound(const cm_config *cfg, const cm_filelist *fl, const cm_base_store *b, int k) {
  double n = b->active[k] ? (double)b->lines[k] : 0;
  for (size_t i = 0; i < fl->n; i++) {
    const cm_file *f = &fl->v[i];
    if (b->active[k] && cm_base_index(b, k, f) >= 0) continue;
    double bytes = (double)f->size;
    switch (cm_kind_of(f->path)) {
    case CM_KIND_GZ:
    case CM_KIND_TARGZ: {
      double r = (double)cfg->max_ratio * bytes, m = (double)cfg->max_member;
      bytes = (r > m ? r : m) + (4u << 20); /* the check runs once per chunk produced */
      break;
    }
    case CM_KIND_ZIP:
      return INFINITY;
    case CM_KIND_PLAIN:
    case CM_KIND_TAR:
      break;
    default:
      continue; /* skipped files hold no lines */
    }
    n += (bytes + 1) / 2;
  }
  return n;
}

/* Collective: reads one corpus's files into cols. Files are claimed in runs
 * (cm_claim.h), so a rank that reads faster reads more. `pending` holds this
 * rank's share of the store columns begun so far (NULL: none): the rank
 * writes it once its node has claimed (r + 1/2) / (2 R) of its files (r:
 * the rank's place among the R ranks of its node), so that the ranks write
 * at different moments, each while the others parse (the kernel lets one
 * writer at a time into a file), and all within the first half of the read.
 * `written` (NULL: none) holds the columns those writes come from: freed
 * once written, so that a rank holds one corpus's columns at a time. */
int cm_read_corpus(MPI_Comm comm, const cm_config *cfg, int patents, const char *rej_dir, cm_base_store *base,
                   cm_corpus_cols *cols, cm_filelist *fl, cm_corpus_totals *t, cm_h5_deferred *pending,
                   cm_corpus_cols *written) {
  int rank, P;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_MPI(MPI_Comm_size(comm, &P));
  const char *corpus = patents ? "patents" : "works";
  int rc = CM_OK;
  if (rank == 0)
    rc = cm_files_collect(patents ? cfg->patents : cfg->works, patents ? cfg->n_patents : cfg->n_works,
                          corpus, fl);
  CM_AGREE(comm, rc);
  CM_TRY(cm_files_bcast(comm, 0, fl));
  CM_TRY(cm_base_check_superset(comm, base, patents ? 0 : 1, fl, cfg));

  ingest_ctx x = {0};
  x.cfg = cfg;
  x.patents = patents;
  x.corpus = corpus;
  x.files = fl;
  x.c = cols;
  x.show = rank == 0 && !cfg->quiet;
  x.n_ranks = P;
  x.t0 = x.last = cm_now();
  x.per_file = calloc(fl->n + 1, sizeof *x.per_file);
  uint64_t *weight = malloc((fl->n + 1) * sizeof *weight);
  for (size_t i = 0; weight && i < fl->n; i++) {
    weight[i] = fl->v[i].size + 1; /* +1: empty files cost something too */
    x.bytes_total += fl->v[i].size;
  }
  x.jp = cm_json_parser_new();
  x.lines_bound = lines_bound(cfg, fl, base, patents ? 0 : 1);
  cm_read_limits lim = {cfg->max_record, cfg->max_ratio ? cfg->max_ratio : 1, cfg->max_member};
  cm_reader *reader = NULL;
  char rej_path[CM_PATH_MAX];
  rc = (!x.per_file || !x.jp || !weight) ? CM_FAIL("out of memory setting up the %s reader", corpus) : CM_OK;
  if (rc == CM_OK) rc = cm_reader_new(&lim, &reader);
  if (rc == CM_OK) rc = open_rejects(rej_dir, corpus, rank, &x.rej, rej_path, sizeof rej_path);
  rc = cm_agree(comm, rc);
  cm_claims *claims = NULL;
  if (rc == CM_OK) rc = cm_claims_open(comm, fl->n, weight, &claims);
  if (x.show && rc == CM_OK) printf("ingest %s: %zu files over %d ranks\n", corpus, fl->n, P);
  cm_line_sink sink = {on_line, on_reject, &x};
  double t0 = cm_now();
  int node_rank = 0, node_size = 1; /* pending writes are staggered among the ranks of a node */
  if (claims) cm_claims_node(claims, &node_rank, &node_size);
  double write_when = 0.5 * (node_rank + 0.5) / node_size, claimed = 0;
  while (rc == CM_OK) {
    size_t lo, hi;
    rc = cm_claims_next(claims, &lo, &hi, &claimed);
    if (rc != CM_OK || lo == hi) break;
    rc = cm_buf_push_u64(&cols->claimed, lo);
    if (rc == CM_OK) rc = cm_buf_push_u64(&cols->claimed, hi);
    if (rc == CM_OK && pending && claimed >= write_when) {
      double tw = cm_now();
      rc = cm_h5_deferred_flush(pending);
      t->t_write += cm_now() - tw;
      pending = NULL;
      if (rc == CM_OK && written) cm_cols_free(written);
    }
    for (size_t i = lo; i < hi && rc == CM_OK; i++) {
      rc = read_file(&x, reader, &sink, base, i, t);
      progress(&x, 0);
    }
  }
  progress(&x, 1);
  double busy = cm_now() - t0;
  if (x.rej && fclose(x.rej) != 0 && rc == CM_OK) rc = CM_FAIL("writing rejects file '%s' failed", rej_path);
  cm_reader_free(reader);
  uint64_t wrong[CM_WT_N] = {0};
  if (x.jp) cm_json_wrong_types(x.jp, wrong);
  cm_json_parser_free(x.jp);
  cm_buf_free(&x.scratch);
  free(weight);
  /* Agree on success before any further collective. */
  int any = cm_agree(comm, rc);
  if (claims) CM_TRY(cm_claims_close(claims));
  if (any != CM_OK) {
    if (x.rej) remove(rej_path); /* this rank's part: nobody will merge it */
    free(x.per_file);
    if (rank == 0) fprintf(stderr, "citemill: ingest of %s failed; the store was not written\n", corpus);
    return any;
  }
  CM_TRY(merge_rejects(comm, rej_dir, corpus, x.per_file, x.n_per_file));
  t->t_read = cm_now() - t0;
  double lo_hi[2] = {-busy, busy};
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, lo_hi, 2, MPI_DOUBLE, MPI_MAX, comm));
  t->busy[0] = -lo_hi[0];
  t->busy[1] = lo_hi[1];
  uint64_t mine[3] = {x.lines, x.rejects, x.records}, sum[3];
  CM_MPI(MPI_Allreduce(mine, sum, 3, MPI_UINT64_T, MPI_SUM, comm));
  int k = patents ? 0 : 1; /* with --refresh, the old files' counts come from the old store */
  t->lines = sum[0] + (base->active[k] ? base->lines[k] : 0);
  t->rejects = sum[1] + (base->active[k] ? base->rejects[k] : 0);
  t->records = sum[2] + (base->active[k] ? base->records[k] : 0);
  CM_MPI(MPI_Allreduce(wrong, t->wrong_type, CM_WT_N, MPI_UINT64_T, MPI_SUM, comm));
  for (int i = 0; i < CM_WT_N && base->active[k]; i++)
    t->wrong_type[i] += base->wrong_type[k][i];
  rc = check_reject_rate(comm, &x, t);
  /* too many rejects: the run fails, and the rejects file is what the user needs to see */
  if (rc != CM_OK && rank == 0) cm_rejects_publish(rej_dir, corpus);
  free(x.per_file);
  return rc;
}

int cm_rejects_publish(const char *rej_dir, const char *corpus) {
  char path[CM_PATH_MAX], tmp[CM_PATH_MAX + 8];
  CM_PATH(path, "%s/%s.csv", rej_dir, corpus);
  CM_PATH(tmp, "%s.tmp", path);
  if (rename(tmp, path) != 0)
    return CM_FAIL("cannot rename '%s' to '%s': %s; the store is written, its rejects file is '%s'", tmp,
                   path, strerror(errno), tmp);
  return CM_OK;
}
