/* collaboration_partners and collaborating_institutions (SPEC 3, 5).
 * Partners: local counts over the 26 x 26 two-letter codes, one reduction.
 * Institutions: one record per (work, institution) to the institution's
 * owner, which takes minimum names and countries over all kept works and
 * counts the focus country's window works; owners send their local top N to
 * rank 0. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"

#define NCODES (26 * 26)

static int code_index(const uint8_t *p, size_t l) {
  if (l != 2 || p[0] < 'A' || p[0] > 'Z' || p[1] < 'A' || p[1] > 'Z') return -1;
  return (p[0] - 'A') * 26 + (p[1] - 'A');
}

/* Rank 0: the partners table from the summed code counts (sum[NCODES]: the
 * focus country's works with any other country). */
static int partner_table(const int64_t *sum, const char *out, int64_t h5) {
  static const char *const cols[] = {"rank", "partner", "coauthored", "share"};
  cm_table t;
  int rc = cm_table_init(&t, "collaboration_partners", 4, cols);
  int order[NCODES], n = 0;
  for (int k = 0; k < NCODES; k++)
    if (sum[k] > 0) order[n++] = k;
  for (int i = 1; i < n; i++) /* by coauthored desc, code asc (stable insertion) */
    for (int j = i; j > 0 && sum[order[j - 1]] < sum[order[j]]; j--) {
      int x = order[j];
      order[j] = order[j - 1];
      order[j - 1] = x;
    }
  for (int i = 0; i < n && rc == CM_OK; i++) {
    char code[3] = {(char)('A' + order[i] / 26), (char)('A' + order[i] % 26), 0};
    rc = cm_table_i64(&t, i + 1);
    if (rc == CM_OK) rc = cm_table_cstr(&t, code);
    if (rc == CM_OK) rc = cm_table_i64(&t, sum[order[i]]);
    if (rc == CM_OK)
      rc = cm_table_ratio(&t, sum[NCODES] ? (double)sum[order[i]] / (double)sum[NCODES] : 0, sum[NCODES] > 0);
  }
  if (rc == CM_OK) rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  return rc;
}

static int partners(cm_ctx *c, const char *out, int64_t h5) {
  const char *F = c->par->focus;
  int64_t v[NCODES + 1] = {0}, sum[NCODES + 1];
  for (size_t i = 0; i < c->w_n; i++) {
    if (!cm_work_in_window(c, i) || !cm_work_has_country(c, i, F)) continue;
    size_t first, cnt;
    int other = 0;
    cm_listcol_row(&c->w_countries, i, &first, &cnt);
    for (size_t j = 0; j < cnt; j++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&c->w_countries.items, first + j, &l);
      if (l == strlen(F) && memcmp(p, F, l) == 0) continue;
      int k = code_index(p, l);
      if (k >= 0) v[k]++, other = 1;
    }
    v[NCODES] += other;
  }
  CM_TRY(cm_sum_to_root(c, CM_OK, v, sum, NCODES + 1));
  return cm_agree(c->comm, c->rank == 0 ? partner_table(sum, out, h5) : CM_OK);
}

typedef struct {
  const uint8_t *id, *name, *country;
  uint32_t idn, namen, cn;
  uint64_t h;
  int64_t count, cites;
} inst;

static int inst_key_cmp(const void *a, const void *b) {
  const inst *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  return cm_bytes_cmp(x->id, x->idn, y->id, y->idn);
}

static int inst_rank_cmp(const void *a, const void *b) {
  const inst *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return cm_bytes_cmp(x->id, x->idn, y->id, y->idn);
}

static int put_str(cm_buf *b, const void *p, size_t n) {
  CM_TRY(cm_buf_push_u32(b, (uint32_t)n));
  return cm_buf_append(b, p, n);
}

static const uint8_t *get_str(const uint8_t *p, const uint8_t **s, uint32_t *n) {
  memcpy(n, p, 4);
  *s = p + 4;
  return p + 4 + *n;
}

static int put_inst(cm_buf *b, const inst *x) {
  CM_TRY(cm_buf_push_u64(b, x->h));
  CM_TRY(put_str(b, x->id, x->idn));
  CM_TRY(put_str(b, x->name, x->namen));
  CM_TRY(put_str(b, x->country, x->cn));
  CM_TRY(cm_buf_push_i64(b, x->count));
  return cm_buf_push_i64(b, x->cites);
}

static int parse_insts(const cm_buf *d, inst **out, size_t *n) {
  size_t cap = d->len / 36 + 1, k = 0; /* a record is >= 36 bytes */
  inst *v = malloc(cap * sizeof *v);
  CM_ALLOC(v, cap * sizeof *v);
  for (const uint8_t *p = d->data; p < d->data + d->len; k++) {
    inst *x = &v[k];
    memcpy(&x->h, p, 8);
    p = get_str(p + 8, &x->id, &x->idn);
    p = get_str(p, &x->name, &x->namen);
    p = get_str(p, &x->country, &x->cn);
    memcpy(&x->count, p, 8);
    memcpy(&x->cites, p + 8, 8);
    p += 16;
  }
  *out = v;
  *n = k;
  return CM_OK;
}

/* smaller non-empty value wins */
static void keep_min(const uint8_t **a, uint32_t *an, const uint8_t *b, uint32_t bn) {
  if (bn == 0) return;
  if (*an == 0 || cm_bytes_cmp(b, bn, *a, *an) < 0) *a = b, *an = bn;
}

/* Not collective: one record per (work, institution) to the institution's
 * owner. */
static int send_insts(cm_ctx *c, cm_outbox *ob) {
  const char *F = c->par->focus;
  for (size_t i = 0; i < c->w_n; i++) {
    int counted = cm_work_in_window(c, i) && cm_work_has_country(c, i, F);
    int64_t cites = CM_BUF_AT(&c->w_cites, int64_t, i);
    size_t first, cnt;
    cm_listcol_row(&c->w_inst_id, i, &first, &cnt);
    for (size_t j = 0; j < cnt; j++) {
      inst x = {0};
      size_t l1, l2, l3;
      x.id = cm_strcol_get(&c->w_inst_id.items, first + j, &l1);
      x.name = cm_strcol_get(&c->w_inst_name.items, first + j, &l2);
      x.country = cm_strcol_get(&c->w_inst_country.items, first + j, &l3);
      x.idn = (uint32_t)l1, x.namen = (uint32_t)l2, x.cn = (uint32_t)l3;
      /* an institution listed twice on a work counts once: count the first */
      int dup = 0;
      for (size_t k = 0; k < j && !dup; k++) {
        size_t lk;
        const uint8_t *pk = cm_strcol_get(&c->w_inst_id.items, first + k, &lk);
        dup = lk == l1 && memcmp(pk, x.id, l1) == 0;
      }
      x.count = counted && !dup;
      x.cites = x.count ? cites : 0;
      x.h = cm_hash(x.id, l1);
      CM_TRY(put_inst(&ob->to[cm_owner(x.h, c->nranks)], &x));
    }
  }
  return CM_OK;
}

/* Not collective: the owner groups its institutions and puts its top N
 * foreign ones with a focus-country work into ob->to[0]. */
static int owner_insts(cm_ctx *c, const cm_inbox *in, cm_outbox *ob) {
  const char *F = c->par->focus;
  size_t flen = strlen(F);
  inst *v;
  size_t n;
  CM_TRY(parse_insts(&in->data, &v, &n));
  int rc = cm_sort_by_u64(v, n, sizeof *v, offsetof(inst, h), inst_key_cmp);
  size_t m = 0;
  for (size_t i = 0; i < n && rc == CM_OK;) {
    inst a = v[i];
    size_t e = i + 1;
    for (; e < n && inst_key_cmp(&v[e], &v[i]) == 0; e++) {
      keep_min(&a.name, &a.namen, v[e].name, v[e].namen);
      keep_min(&a.country, &a.cn, v[e].country, v[e].cn);
      a.count += v[e].count;
      a.cites += v[e].cites;
    }
    if (a.namen == 0) a.name = (const uint8_t *)"";
    int foreign = a.cn > 0 && !(a.cn == flen && memcmp(a.country, F, flen) == 0);
    if (a.count > 0 && foreign) v[m++] = a;
    i = e;
  }
  if (rc == CM_OK && m) qsort(v, m, sizeof *v, inst_rank_cmp);
  for (size_t i = 0; i < m && rc == CM_OK && (int64_t)i < c->par->top_institutions; i++)
    rc = put_inst(&ob->to[0], &v[i]);
  free(v);
  return rc;
}

/* Rank 0: the institutions table from the owners' candidates. */
static int inst_table(cm_ctx *c, const cm_inbox *top, const char *out, int64_t h5) {
  inst *v;
  size_t n;
  CM_TRY(parse_insts(&top->data, &v, &n));
  if (n) qsort(v, n, sizeof *v, inst_rank_cmp);
  static const char *const cols[] = {
      "rank", "institution", "name", "country", "coauthored", "citations", "citations_per_publication"};
  cm_table t;
  int rc = cm_table_init(&t, "collaborating_institutions", 7, cols);
  for (size_t i = 0; i < n && rc == CM_OK && (int64_t)i < c->par->top_institutions; i++) {
    rc = cm_table_i64(&t, (int64_t)i + 1);
    if (rc == CM_OK) rc = cm_table_str(&t, (const char *)v[i].id, v[i].idn);
    if (rc == CM_OK) rc = cm_table_str(&t, (const char *)v[i].name, v[i].namen);
    if (rc == CM_OK) rc = cm_table_str(&t, (const char *)v[i].country, v[i].cn);
    if (rc == CM_OK) rc = cm_table_i64(&t, v[i].count);
    if (rc == CM_OK) rc = cm_table_i64(&t, v[i].cites);
    if (rc == CM_OK) rc = cm_table_ratio(&t, (double)v[i].cites / (double)v[i].count, 1);
  }
  if (rc == CM_OK) rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  free(v);
  return rc;
}

static int institutions(cm_ctx *c, const char *out, int64_t h5) {
  cm_outbox ob = {0};
  cm_inbox in = {0}, top = {0};
  int rc = cm_outbox_init(&ob, c->nranks);
  if (rc == CM_OK) rc = send_insts(c, &ob);
  rc = cm_job_shuffle(c, rc, &ob, &in);
  if (rc == CM_OK) {
    rc = cm_job_shuffle(c, owner_insts(c, &in, &ob), &ob, &top);
    cm_inbox_free(&in);
  }
  cm_outbox_free(&ob);
  if (rc != CM_OK) return rc;
  rc = c->rank == 0 ? inst_table(c, &top, out, h5) : CM_OK;
  cm_inbox_free(&top);
  return cm_agree(c->comm, rc);
}

int cm_job_collaboration(cm_ctx *c, const cm_shared *sh, const char *out, int64_t h5) {
  (void)sh;
  CM_TRY(partners(c, out, h5));
  return institutions(c, out, h5);
}
