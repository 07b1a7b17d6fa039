/* paper_citations with the DOI link method (SPEC 2, 3, 5).
 *
 * Patents send (DOI, patent row) for each distinct DOI in their npl_text;
 * window works send (DOI, work row, country mask). At the DOI's owner each
 * pair is a link. Links are counted per country there; distinct citing
 * patents per country need one more shuffle, by patent row, where the
 * patent's country masks are OR-ed. Title matching is not implemented yet. */
#include <stdlib.h>
#include <string.h>

#include "../pipeline/cm_error.h"
#include "../pipeline/cm_shuffle.h"
#include "../pipeline/cm_text.h"
#include "cm_jobs.h"

typedef struct {
  uint64_t h;
  const uint8_t *doi;
  uint32_t n;
  uint8_t tag; /* 0 work, 1 patent */
  uint64_t row, mask;
} link_item;

static int link_cmp(const void *a, const void *b) {
  const link_item *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  int c = cm_bytes_cmp(x->doi, x->n, y->doi, y->n);
  if (c) return c;
  if (x->tag != y->tag) return x->tag - y->tag;
  return (x->row > y->row) - (x->row < y->row);
}

typedef struct {
  cm_buf dois; /* u32 len + bytes, per DOI of one patent */
} doi_acc;

static int collect_doi(void *user, const char *doi, size_t len) {
  doi_acc *a = user;
  CM_TRY(cm_buf_push_u32(&a->dois, (uint32_t)len));
  return cm_buf_append(&a->dois, doi, len);
}

typedef struct {
  const uint8_t *p;
  uint32_t n;
} dv;

static int dv_cmp(const void *a, const void *b) {
  const dv *x = a, *y = b;
  return cm_bytes_cmp(x->p, x->n, y->p, y->n);
}

static int put_link(cm_buf *b, uint64_t h, const void *doi, uint32_t n, uint8_t tag, uint64_t row,
                    uint64_t mask) {
  CM_TRY(cm_buf_push_u64(b, h));
  CM_TRY(cm_buf_push_u32(b, n));
  CM_TRY(cm_buf_append(b, doi, n));
  CM_TRY(cm_buf_push_u8(b, tag));
  CM_TRY(cm_buf_push_u64(b, row));
  return cm_buf_push_u64(b, mask);
}

static int cmp_pair(const void *a, const void *b) {
  const uint64_t *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return (x[1] > y[1]) - (x[1] < y[1]);
}

int cm_job_paper_citations(cm_ctx *c, const char *out, int64_t h5) {
  const cm_list *L = &c->cfg->countries;
  int use_doi = cm_list_index(&c->cfg->link_methods, "doi", 3) >= 0;
  cm_outbox ob;
  CM_TRY(cm_outbox_init(&ob, c->nranks));
  int64_t works[CM_MAX_LIST] = {0};
  /* works side */
  for (size_t i = 0; i < c->w_n; i++) {
    if (!CM_BUF_AT(&c->w_has_year, uint8_t, i) || !cm_in_window(c->cfg, CM_BUF_AT(&c->w_year, int64_t, i)))
      continue;
    uint64_t mask = 0;
    size_t first, cnt;
    cm_listcol_row(&c->w_countries, i, &first, &cnt);
    for (size_t j = 0; j < cnt; j++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&c->w_countries.items, first + j, &l);
      int k = cm_list_index(L, (const char *)p, l);
      if (k >= 0) mask |= 1ull << k, works[k]++;
    }
    size_t dl;
    const uint8_t *doi = cm_strcol_get(&c->w_doi, i, &dl);
    if (!mask || dl == 0 || !use_doi) continue;
    uint64_t h = cm_hash(doi, dl);
    CM_TRY(put_link(&ob.to[cm_owner(h, c->nranks)], h, doi, (uint32_t)dl, 0, c->w_lo + i, mask));
  }
  /* patents side: distinct DOIs per patent */
  doi_acc acc = {{0}};
  cm_buf scratch = {0};
  dv *v = NULL;
  size_t vcap = 0;
  for (size_t i = 0; i < c->p_n && use_doi; i++) {
    size_t first, cnt;
    cm_listcol_row(&c->p_npl, i, &first, &cnt);
    acc.dois.len = 0;
    for (size_t j = 0; j < cnt; j++) {
      size_t l;
      const uint8_t *t = cm_strcol_get(&c->p_npl.items, first + j, &l);
      CM_TRY(cm_dois_in_text((const char *)t, l, &scratch, collect_doi, &acc));
    }
    size_t n = 0;
    for (size_t off = 0; off < acc.dois.len; n++) {
      if (n == vcap) {
        vcap = vcap ? vcap * 2 : 16;
        dv *nv = realloc(v, vcap * sizeof *v);
        CM_ALLOC(nv, vcap * sizeof *v);
        v = nv;
      }
      memcpy(&v[n].n, acc.dois.data + off, 4);
      v[n].p = acc.dois.data + off + 4;
      off += 4 + v[n].n;
    }
    if (n) qsort(v, n, sizeof *v, dv_cmp);
    for (size_t j = 0; j < n; j++) {
      if (j && dv_cmp(&v[j], &v[j - 1]) == 0) continue;
      uint64_t h = cm_hash(v[j].p, v[j].n);
      CM_TRY(put_link(&ob.to[cm_owner(h, c->nranks)], h, v[j].p, v[j].n, 1, c->p_lo + i, 0));
    }
  }
  free(v);
  cm_buf_free(&acc.dois);
  cm_buf_free(&scratch);
  cm_inbox in;
  CM_TRY(cm_shuffle(c->comm, &ob, &in));
  c->bytes_shuffled += in.bytes_sent;
  size_t cap = in.data.len / 29 + 1, n = 0;
  link_item *it = malloc(cap * sizeof *it);
  CM_ALLOC(it, cap * sizeof *it);
  for (const uint8_t *p = in.data.data; p < in.data.data + in.data.len; n++) {
    link_item *x = &it[n];
    memcpy(&x->h, p, 8);
    memcpy(&x->n, p + 8, 4);
    x->doi = p + 12;
    p += 12 + x->n;
    x->tag = p[0];
    memcpy(&x->row, p + 1, 8);
    memcpy(&x->mask, p + 9, 8);
    p += 17;
  }
  if (n) qsort(it, n, sizeof *it, link_cmp);
  /* counts: [k] links, works cited; and (patent, mask) to the patent's owner */
  int64_t cnts[2 * CM_MAX_LIST] = {0};
  for (size_t i = 0; i < n;) {
    size_t e = i + 1;
    while (e < n && it[e].h == it[i].h && cm_bytes_cmp(it[e].doi, it[e].n, it[i].doi, it[i].n) == 0)
      e++;
    size_t w_end = i;
    while (w_end < e && it[w_end].tag == 0)
      w_end++;
    size_t npat = e - w_end;
    uint64_t any = 0;
    for (size_t w = i; w < w_end; w++) {
      if (!npat) break;
      any |= it[w].mask;
      for (int k = 0; k < L->n; k++)
        if (it[w].mask >> k & 1) cnts[2 * k] += (int64_t)npat, cnts[2 * k + 1]++;
    }
    for (size_t p = w_end; p < e && any; p++) {
      uint64_t row = it[p].row;
      CM_TRY(cm_buf_push_u64(&ob.to[cm_owner(cm_hash(&row, 8), c->nranks)], row));
      CM_TRY(cm_buf_push_u64(&ob.to[cm_owner(cm_hash(&row, 8), c->nranks)], any));
    }
    i = e;
  }
  free(it);
  cm_inbox_free(&in);
  cm_inbox pm;
  CM_TRY(cm_shuffle(c->comm, &ob, &pm));
  c->bytes_shuffled += pm.bytes_sent;
  size_t np = pm.data.len / 16;
  uint64_t *pr = (uint64_t *)pm.data.data;
  /* sort (row, mask) pairs by row and OR masks per patent */
  uint64_t(*pairs)[2] = malloc((np + 1) * 16);
  CM_ALLOC(pairs, (np + 1) * 16);
  memcpy(pairs, pr, np * 16);
  qsort(pairs, np, 16, cmp_pair);
  int64_t citing[CM_MAX_LIST] = {0};
  for (size_t i = 0; i < np;) {
    uint64_t m = 0;
    size_t e = i;
    while (e < np && pairs[e][0] == pairs[i][0])
      m |= pairs[e][1], e++;
    for (int k = 0; k < L->n; k++)
      if (m >> k & 1) citing[k]++;
    i = e;
  }
  free(pairs);
  cm_inbox_free(&pm);
  cm_outbox_free(&ob);
  int64_t local[4 * CM_MAX_LIST], total[4 * CM_MAX_LIST];
  for (int k = 0; k < L->n; k++) {
    local[4 * k] = works[k];
    local[4 * k + 1] = cnts[2 * k + 1];
    local[4 * k + 2] = citing[k];
    local[4 * k + 3] = cnts[2 * k];
  }
  CM_MPI(MPI_Reduce(local, total, 4 * L->n, MPI_INT64_T, MPI_SUM, 0, c->comm));
  if (c->rank != 0) return CM_OK;
  static const char *const cols[] = {"country", "works", "works_cited_by_patents", "citing_patents", "links"};
  cm_table t;
  CM_TRY(cm_table_init(&t, "paper_citations", 5, cols));
  for (int k = 0; k < L->n; k++) {
    CM_TRY(cm_table_cstr(&t, L->v[k]));
    for (int j = 0; j < 4; j++)
      CM_TRY(cm_table_i64(&t, total[4 * k + j]));
  }
  int rc = cm_table_save(&t, out, h5);
  cm_table_free(&t);
  return rc;
}
