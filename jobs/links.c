/* The link table: which work each patent's non-patent-literature citation
 * names (SPEC 3 paper_citations and topic_growth, note 3).
 *
 * Every method computes candidate keys where the rows live and joins them at
 * the key's owner rank (hash partitioning), never comparing all pairs:
 *  - doi: each distinct DOI in a patent's npl_text (SPEC 2/5 rule) meets the
 *    works whose DOI key equals it; every (patent, work) pair is a link.
 *  - title: link_title.c (normalized title keys, confirmed by year).
 * Links travel to the rank whose row slice holds the patent, where they are
 * sorted by (patent row, work row) and made distinct. Store rows are global
 * and fixed, so the table is the same whatever the number of ranks. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_h5.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"

int cm_link_record(cm_buf *b, uint64_t patent_row, uint64_t work_row, uint8_t method, double confidence,
                   const void *work_id, uint32_t id_len) {
  uint64_t bits;
  memcpy(&bits, &confidence, 8);
  CM_TRY(cm_buf_push_u64(b, patent_row));
  CM_TRY(cm_buf_push_u64(b, work_row));
  CM_TRY(cm_buf_push_u8(b, method));
  CM_TRY(cm_buf_push_u64(b, bits));
  CM_TRY(cm_buf_push_u32(b, id_len));
  return cm_buf_append(b, work_id, id_len);
}

/* ---- DOI method ---- */

typedef struct {
  uint64_t h;
  const uint8_t *doi, *id;
  uint32_t n, id_len;
  uint8_t tag; /* 0 work, 1 patent */
  uint64_t row;
} doi_item;

static int doi_item_cmp(const void *a, const void *b) {
  const doi_item *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  int c = cm_bytes_cmp(x->doi, x->n, y->doi, y->n);
  if (c) return c;
  if (x->tag != y->tag) return x->tag - y->tag;
  return (x->row > y->row) - (x->row < y->row);
}

static int put_doi(cm_outbox *ob, int nranks, const void *doi, uint32_t n, uint8_t tag, uint64_t row,
                   const void *id, uint32_t id_len) {
  uint64_t h = cm_hash(doi, n);
  cm_buf *b = &ob->to[cm_owner(h, nranks)];
  CM_TRY(cm_buf_push_u64(b, h));
  CM_TRY(cm_buf_push_u32(b, n));
  CM_TRY(cm_buf_append(b, doi, n));
  CM_TRY(cm_buf_push_u8(b, tag));
  CM_TRY(cm_buf_push_u64(b, row));
  CM_TRY(cm_buf_push_u32(b, id_len));
  return cm_buf_append(b, id, id_len);
}

static int collect_doi(void *user, const char *doi, size_t len) {
  cm_buf *b = user;
  CM_TRY(cm_buf_push_u32(b, (uint32_t)len));
  return cm_buf_append(b, doi, len);
}

/* Sends (DOI, patent row) once per distinct DOI of each local patent; marks
 * the NPL strings that hold a DOI in has_doi (one byte per NPL item), so
 * that the title method need not scan them again. */
static int send_patent_dois(cm_ctx *c, cm_outbox *ob, uint8_t *has_doi) {
  cm_buf dois = {0}, scratch = {0};
  cm_view *v = NULL;
  size_t vcap = 0;
  int rc = CM_OK;
  for (size_t i = 0; i < c->p_n && rc == CM_OK; i++) {
    size_t first, cnt;
    cm_listcol_row(&c->p_npl, i, &first, &cnt);
    dois.len = 0;
    for (size_t j = 0; j < cnt && rc == CM_OK; j++) {
      size_t l;
      const uint8_t *t = cm_strcol_get(&c->p_npl.items, first + j, &l);
      size_t before = dois.len;
      rc = cm_dois_in_text((const char *)t, l, &scratch, collect_doi, &dois);
      has_doi[first + j] = dois.len > before;
    }
    size_t n = 0;
    for (size_t off = 0; off < dois.len && rc == CM_OK; n++) {
      if (n == vcap) {
        vcap = vcap ? vcap * 2 : 16;
        cm_view *nv = realloc(v, vcap * sizeof *v);
        if (!nv) {
          rc = CM_FAIL("out of memory");
          break;
        }
        v = nv;
      }
      memcpy(&v[n].n, dois.data + off, 4);
      v[n].p = dois.data + off + 4;
      off += 4 + v[n].n;
    }
    if (rc != CM_OK) break;
    cm_views_sort(v, n);
    for (size_t j = 0; j < n && rc == CM_OK; j++)
      if (!j || cm_view_cmp(&v[j], &v[j - 1]) != 0)
        rc = put_doi(ob, c->nranks, v[j].p, v[j].n, 1, c->p_lo + i, "", 0);
  }
  free(v);
  cm_buf_free(&dois);
  cm_buf_free(&scratch);
  return rc;
}

/* Not collective: (DOI, work) for each local work with a DOI, then
 * (DOI, patent) as send_patent_dois says. */
static int send_dois(cm_ctx *c, cm_outbox *ob, uint8_t *has_doi) {
  if (cm_fault("links-fail")) return CM_FAIL("injected failure in the link step (CITEMILL_FAULT)");
  for (size_t i = 0; i < c->w_n; i++) {
    size_t dl, kl;
    const uint8_t *doi = cm_strcol_get(&c->w_doi, i, &dl);
    const uint8_t *key = cm_strcol_get(&c->w_key, i, &kl);
    if (dl) CM_TRY(put_doi(ob, c->nranks, doi, (uint32_t)dl, 0, c->w_lo + i, key, (uint32_t)kl));
  }
  return send_patent_dois(c, ob, has_doi);
}

/* Not collective: the DOI owner's side. Every (patent, work) pair that meet
 * on a DOI becomes a link record addressed to the patent's owner. */
static int join_dois(cm_ctx *c, const cm_inbox *in, cm_outbox *links) {
  size_t cap = in->data.len / 33 + 1, n = 0;
  doi_item *it = malloc(cap * sizeof *it);
  CM_ALLOC(it, cap * sizeof *it);
  for (cm_cursor q = cm_cursor_of(&in->data); cm_cursor_more(&q); n++) {
    doi_item *x = &it[n];
    x->h = cm_cursor_u64(&q);
    x->n = cm_cursor_u32(&q);
    x->doi = cm_cursor_bytes(&q, x->n);
    x->tag = cm_cursor_u8(&q);
    x->row = cm_cursor_u64(&q);
    x->id_len = cm_cursor_u32(&q);
    x->id = cm_cursor_bytes(&q, x->id_len);
  }
  int rc = cm_sort_by_u64(it, n, sizeof *it, offsetof(doi_item, h), doi_item_cmp);
  for (size_t i = 0; i < n && rc == CM_OK;) {
    size_t e = i + 1;
    while (e < n && it[e].h == it[i].h && cm_bytes_cmp(it[e].doi, it[e].n, it[i].doi, it[i].n) == 0)
      e++;
    size_t w_end = i; /* works sort before patents within a DOI */
    while (w_end < e && it[w_end].tag == 0)
      w_end++;
    for (size_t p = w_end; p < e && rc == CM_OK; p++)
      for (size_t w = i; w < w_end && rc == CM_OK; w++)
        rc = cm_link_record(&links->to[cm_row_owner(c->p_bounds, c->nranks, it[p].row)], it[p].row, it[w].row,
                            CM_LINK_DOI, 1.0, it[w].id, it[w].id_len);
    i = e;
  }
  free(it);
  return rc;
}

/* Collective: the DOI join; link records addressed to the patents' owners
 * in links. */
static int doi_links(cm_ctx *c, cm_outbox *links, uint8_t *has_doi) {
  cm_outbox ob = {0};
  cm_inbox in = {0};
  int rc = cm_outbox_init(&ob, c->nranks);
  if (rc == CM_OK) rc = send_dois(c, &ob, has_doi);
  rc = cm_job_shuffle(c, rc, &ob, &in);
  cm_outbox_free(&ob);
  if (rc != CM_OK) return rc;
  rc = join_dois(c, &in, links);
  cm_inbox_free(&in);
  return cm_agree(c->comm, rc);
}

/* ---- the table ---- */

typedef struct {
  uint64_t prow, wrow;
  uint8_t method;
  double conf;
  const uint8_t *id;
  uint32_t id_len;
} link_rec;

static int link_rec_cmp(const void *a, const void *b) {
  const link_rec *x = a, *y = b;
  if (x->prow != y->prow) return x->prow < y->prow ? -1 : 1;
  if (x->wrow != y->wrow) return x->wrow < y->wrow ? -1 : 1;
  return x->method - y->method;
}

static int parse_records(const cm_buf *b, link_rec **out, size_t *n_out) {
  size_t cap = b->len / 29 + 1, n = 0;
  link_rec *r = malloc(cap * sizeof *r);
  CM_ALLOC(r, cap * sizeof *r);
  for (cm_cursor q = cm_cursor_of(b); cm_cursor_more(&q); n++) {
    r[n].prow = cm_cursor_u64(&q);
    r[n].wrow = cm_cursor_u64(&q);
    r[n].method = cm_cursor_u8(&q);
    uint64_t bits = cm_cursor_u64(&q);
    memcpy(&r[n].conf, &bits, 8);
    r[n].id_len = cm_cursor_u32(&q);
    r[n].id = cm_cursor_bytes(&q, r[n].id_len);
  }
  *out = r;
  *n_out = n;
  return CM_OK;
}

/* Not collective: the link records this rank received, sorted and made
 * distinct per (patent row, work row), into out. */
static int distinct_links(const cm_buf *recs, cm_links *out) {
  link_rec *r = NULL;
  size_t n = 0;
  CM_TRY(parse_records(recs, &r, &n));
  int rc = cm_sort_by_u64(r, n, sizeof *r, offsetof(link_rec, prow), link_rec_cmp);
  size_t cap = n + 1;
  out->patent_row = malloc(cap * 8);
  out->work_row = malloc(cap * 8);
  out->method = malloc(cap);
  out->confidence = malloc(cap * 8);
  if (rc == CM_OK && !(out->patent_row && out->work_row && out->method && out->confidence))
    rc = CM_FAIL("out of memory for %zu links", n);
  for (size_t i = 0; i < n && rc == CM_OK; i++) {
    if (i && r[i].prow == r[i - 1].prow && r[i].wrow == r[i - 1].wrow) continue;
    size_t k = out->n++;
    out->patent_row[k] = r[i].prow;
    out->work_row[k] = r[i].wrow;
    out->method[k] = r[i].method;
    out->confidence[k] = r[i].conf;
    rc = cm_strcol_push(&out->work_id, r[i].id, r[i].id_len);
  }
  free(r);
  return rc;
}

int cm_job_links(cm_ctx *c, cm_links *out) {
  memset(out, 0, sizeof *out);
  const cm_list *m = &c->par->link_methods;
  cm_outbox ob = {0};
  cm_inbox in = {0};
  int doi = cm_list_index(m, "doi", 3) >= 0;
  uint8_t *has_doi = NULL; /* per NPL item, when the DOI method has looked */
  int rc = cm_strcol_init(&out->work_id);
  if (rc == CM_OK) rc = cm_outbox_init(&ob, c->nranks);
  if (rc == CM_OK && doi) {
    size_t items = cm_strcol_count(&c->p_npl.items);
    has_doi = calloc(items + 1, 1);
    if (!has_doi) rc = CM_FAIL("out of memory for %zu NPL flags", items);
  }
  rc = cm_agree(c->comm, rc);
  if (rc == CM_OK && doi) rc = doi_links(c, &ob, has_doi);
  if (rc == CM_OK) rc = cm_job_shuffle(c, CM_OK, &ob, &in); /* doi_links returned an agreed result */
  cm_outbox_free(&ob);
  if (rc == CM_OK) {
    /* title links are found at the patents' owners already */
    if (cm_list_index(m, "title", 5) >= 0) rc = cm_title_links(c, &in.data, has_doi, &out->title_hot_keys);
  }
  free(has_doi);
  if (rc == CM_OK) rc = cm_agree(c->comm, distinct_links(&in.data, out));
  cm_inbox_free(&in);
  return rc;
}

void cm_links_free(cm_links *l) {
  free(l->patent_row);
  free(l->work_row);
  free(l->method);
  free(l->confidence);
  cm_strcol_free(&l->work_id);
  memset(l, 0, sizeof *l);
}

int cm_links_write(cm_ctx *c, const cm_links *l, const char *path) {
  char tmp[CM_PATH_MAX];
  CM_PATH(tmp, "%s.tmp", path);
  cm_strcol patent, method;
  CM_TRY(cm_strcol_init(&patent));
  CM_TRY(cm_strcol_init(&method));
  int rc = CM_OK;
  for (size_t i = 0; i < l->n && rc == CM_OK; i++) {
    size_t kl;
    const uint8_t *k = cm_strcol_get(&c->p_key, l->patent_row[i] - c->p_lo, &kl);
    rc = cm_strcol_push(&patent, k, kl);
    if (rc == CM_OK)
      rc = l->method[i] == CM_LINK_DOI ? cm_strcol_push(&method, "doi", 3)
                                       : cm_strcol_push(&method, "title", 5);
  }
  rc = cm_agree(c->comm, rc);
  hid_t f = -1, g = -1;
  if (rc == CM_OK) rc = cm_h5_create(c->comm, tmp, 0, &f);
  if (rc == CM_OK) rc = cm_h5_attr_str(f, "citemill_version", CM_VERSION);
  if (rc == CM_OK) rc = cm_h5_attr_str(f, "citemill_kind", "links");
  if (rc == CM_OK) rc = cm_h5_group(f, "links", &g);
  if (rc == CM_OK) rc = cm_h5_write_strcol(c->comm, g, "patent", &patent, NULL);
  if (rc == CM_OK) rc = cm_h5_write_strcol(c->comm, g, "work", &l->work_id, NULL);
  if (rc == CM_OK) rc = cm_h5_write_strcol(c->comm, g, "method", &method, NULL);
  if (rc == CM_OK)
    rc = cm_h5_write_concat(c->comm, g, "confidence", H5T_NATIVE_DOUBLE, l->confidence, l->n, NULL);
  if (rc == CM_OK)
    rc = cm_h5_write_concat(c->comm, g, "patent_row", H5T_NATIVE_UINT64, l->patent_row, l->n, NULL);
  if (rc == CM_OK)
    rc = cm_h5_write_concat(c->comm, g, "work_row", H5T_NATIVE_UINT64, l->work_row, l->n, NULL);
  if (rc == CM_OK) rc = cm_h5_attr_str(g, "methods_order", "sorted by patent_row, then work_row");
  if (g >= 0) H5Gclose(g);
  if (f >= 0) CM_TRY(cm_h5_close_written(c->comm, f, tmp, rc)); /* f is valid on every rank or none */
  cm_strcol_free(&patent);
  cm_strcol_free(&method);
  rc = cm_agree(c->comm, rc);
  if (c->rank == 0) {
    if (rc == CM_OK && rename(tmp, path) != 0) rc = CM_FAIL("cannot rename '%s' to '%s'", tmp, path);
    if (rc != CM_OK) remove(tmp);
  }
  return cm_agree(c->comm, rc);
}

/* ---- links seen from the works ---- */

typedef struct {
  uint64_t wrow, prow;
  uint8_t flags;
} wl_rec;

static int wl_cmp(const void *a, const void *b) {
  const wl_rec *x = a, *y = b;
  if (x->wrow != y->wrow) return x->wrow < y->wrow ? -1 : 1;
  return (x->prow > y->prow) - (x->prow < y->prow);
}

/* Flags of local patent row i (see cm_work_links). */
static uint8_t patent_flags(const cm_ctx *c, size_t i) {
  const cm_params *par = c->par;
  size_t ol;
  const uint8_t *office = cm_strcol_get(&c->office_dict, CM_BUF_AT(&c->p_office, uint32_t, i), &ol);
  uint8_t f = par->office && strlen(par->office) == ol && memcmp(par->office, office, ol) == 0;
  size_t first, cnt;
  cm_listcol_row(&c->p_asg_country, i, &first, &cnt);
  for (size_t j = 0; j < cnt; j++) {
    size_t l;
    const uint8_t *cc = cm_strcol_get(&c->p_asg_country.items, first + j, &l);
    if (par->focus && l && strlen(par->focus) == l && memcmp(par->focus, cc, l) == 0) f |= 2;
    if (par->partner && l && strlen(par->partner) == l && memcmp(par->partner, cc, l) == 0) f |= 4;
  }
  return f;
}

/* Not collective: the received (work row, patent row, flags) records,
 * sorted by work row, into out. */
static int sort_work_links(const cm_inbox *in, cm_work_links *out) {
  size_t n = in->data.len / 17;
  wl_rec *r = malloc((n + 1) * sizeof *r);
  CM_ALLOC(r, (n + 1) * sizeof *r);
  cm_cursor q = cm_cursor_of(&in->data);
  for (size_t i = 0; i < n; i++) {
    r[i].wrow = cm_cursor_u64(&q);
    r[i].prow = cm_cursor_u64(&q);
    r[i].flags = cm_cursor_u8(&q);
  }
  int rc = cm_sort_by_u64(r, n, sizeof *r, offsetof(wl_rec, wrow), wl_cmp);
  out->work_row = malloc((n + 1) * 8);
  out->patent_row = malloc((n + 1) * 8);
  out->flags = malloc(n + 1);
  if (rc == CM_OK && (!out->work_row || !out->patent_row || !out->flags))
    rc = CM_FAIL("out of memory for %zu links", n);
  for (size_t i = 0; i < n && rc == CM_OK; i++) {
    out->work_row[i] = r[i].wrow;
    out->patent_row[i] = r[i].prow;
    out->flags[i] = r[i].flags;
  }
  if (rc == CM_OK) out->n = n;
  free(r);
  return rc;
}

int cm_links_to_works(cm_ctx *c, const cm_links *l, cm_work_links *out) {
  memset(out, 0, sizeof *out);
  cm_outbox ob = {0};
  cm_inbox in = {0};
  int rc = cm_fault("links-fail") ? CM_FAIL("injected failure sending links to works (CITEMILL_FAULT)")
                                  : cm_outbox_init(&ob, c->nranks);
  for (size_t i = 0; i < l->n && rc == CM_OK; i++) {
    cm_buf *b = &ob.to[cm_row_owner(c->w_bounds, c->nranks, l->work_row[i])];
    rc = cm_buf_push_u64(b, l->work_row[i]);
    if (rc == CM_OK) rc = cm_buf_push_u64(b, l->patent_row[i]);
    if (rc == CM_OK) rc = cm_buf_push_u8(b, patent_flags(c, l->patent_row[i] - c->p_lo));
  }
  rc = cm_job_shuffle(c, rc, &ob, &in);
  cm_outbox_free(&ob);
  if (rc != CM_OK) return rc;
  rc = sort_work_links(&in, out);
  cm_inbox_free(&in);
  return cm_agree(c->comm, rc);
}

void cm_work_links_free(cm_work_links *w) {
  free(w->work_row);
  free(w->patent_row);
  free(w->flags);
  memset(w, 0, sizeof *w);
}
