#include "cm_ingest_cols.h"

#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_text.h"

int cm_wt_first(int k) { return k ? CM_WT_FIRST_WORK : 0; }
int cm_wt_end(int k) { return k ? CM_WT_N : CM_WT_FIRST_WORK; }

/* The string and list columns of c, for the loops over all of them. */
#define N_STRCOLS 10
#define N_LISTCOLS 8
static void strcols_of(cm_corpus_cols *c, cm_strcol *s[N_STRCOLS]) {
  cm_strcol *v[N_STRCOLS] = {&c->key,  &c->office, &c->family,   &c->doi,        &c->title,
                             &c->type, &c->field,  &c->topic_id, &c->topic_name, &c->first_author};
  memcpy(s, v, sizeof v);
}
static void listcols_of(cm_corpus_cols *c, cm_listcol *l[N_LISTCOLS]) {
  cm_listcol *v[N_LISTCOLS] = {&c->asg_name,  &c->asg_country, &c->cited,     &c->npl,
                               &c->countries, &c->inst_id,     &c->inst_name, &c->inst_country};
  memcpy(l, v, sizeof v);
}

int cm_cols_init(cm_corpus_cols *c) {
  memset(c, 0, sizeof *c);
  cm_strcol *s[N_STRCOLS];
  cm_listcol *l[N_LISTCOLS];
  strcols_of(c, s), listcols_of(c, l);
  for (size_t i = 0; i < N_STRCOLS; i++)
    CM_TRY(cm_strcol_init(s[i]));
  for (size_t i = 0; i < N_LISTCOLS; i++)
    CM_TRY(cm_listcol_init(l[i]));
  return CM_OK;
}

void cm_cols_free(cm_corpus_cols *c) {
  cm_strcol *s[N_STRCOLS];
  cm_listcol *l[N_LISTCOLS];
  strcols_of(c, s), listcols_of(c, l);
  for (size_t i = 0; i < N_STRCOLS; i++)
    cm_strcol_free(s[i]);
  for (size_t i = 0; i < N_LISTCOLS; i++)
    cm_listcol_free(l[i]);
  cm_buf *b[] = {&c->claimed, &c->record_id, &c->date, &c->asg_source, &c->year, &c->has_year, &c->cites};
  for (size_t i = 0; i < sizeof b / sizeof *b; i++)
    cm_buf_free(b[i]);
}

int cm_cols_compact(cm_corpus_cols *c, const uint8_t *keep) {
  cm_strcol *s[N_STRCOLS];
  cm_listcol *l[N_LISTCOLS];
  strcols_of(c, s), listcols_of(c, l);
  size_t n = cm_strcol_count(&c->key);
  for (size_t i = 0; i < N_STRCOLS; i++) /* a corpus's columns: the other corpus's stay empty */
    if (cm_strcol_count(s[i]) == n) cm_strcol_compact(s[i], keep);
  for (size_t i = 0; i < N_LISTCOLS; i++)
    if (cm_listcol_count(l[i]) == n) CM_TRY(cm_listcol_compact(l[i], keep));
  cm_fixed_compact(&c->record_id, 8, keep);
  cm_fixed_compact(&c->date, 8, keep);
  cm_fixed_compact(&c->asg_source, 1, keep);
  cm_fixed_compact(&c->year, 8, keep);
  cm_fixed_compact(&c->has_year, 1, keep);
  cm_fixed_compact(&c->cites, 8, keep);
  return CM_OK;
}

/* Appends trimmed upper-cased text as a string value / list item. */
static int push_code(cm_strcol *s, const cm_str *v) {
  CM_TRY(cm_append_code(&s->bytes, v->p, v->n, NULL));
  return cm_strcol_end(s);
}

static int push_after_slash(cm_strcol *s, cm_str v) {
  const char *p = cm_after_slash(v.p, &v.n);
  return cm_strcol_push(s, p, v.n);
}

int cm_cols_append_patent(cm_corpus_cols *c, const cm_patent *p) {
  CM_TRY(push_code(&c->key, &p->publication_number));
  CM_TRY(push_code(&c->office, &p->country_code));
  CM_TRY(cm_buf_push_i64(&c->date, p->publication_date));
  CM_TRY(cm_strcol_push(&c->family, p->family_id.p, p->family_id.n));
  CM_TRY(cm_buf_push_u8(&c->asg_source, p->assignee_source));
  for (size_t i = 0; i < p->n_assignees; i++) {
    CM_TRY(cm_listcol_add(&c->asg_name, p->assignee_name[i].p, p->assignee_name[i].n));
    CM_TRY(push_code(&c->asg_country.items, &p->assignee_country[i]));
  }
  CM_TRY(cm_listcol_end_row(&c->asg_name));
  CM_TRY(cm_listcol_end_row(&c->asg_country));
  for (size_t i = 0; i < p->n_cited; i++)
    CM_TRY(push_code(&c->cited.items, &p->cited[i]));
  CM_TRY(cm_listcol_end_row(&c->cited));
  for (size_t i = 0; i < p->n_npl; i++)
    CM_TRY(cm_listcol_add(&c->npl, p->npl[i].p, p->npl[i].n));
  return cm_listcol_end_row(&c->npl);
}

static int cmp_code(const void *a, const void *b) { return memcmp(a, b, 2); }

int cm_cols_append_work(cm_corpus_cols *c, const cm_work *w, cm_buf *scratch) {
  CM_TRY(push_after_slash(&c->key, w->id));
  CM_TRY(cm_doi_key(&c->doi.bytes, w->doi.p, w->doi.n));
  CM_TRY(cm_strcol_end(&c->doi));
  CM_TRY(cm_strcol_push(&c->title, w->title.p, w->title.n));
  CM_TRY(cm_buf_push_i64(&c->year, w->has_year ? w->year : 0));
  CM_TRY(cm_buf_push_u8(&c->has_year, (uint8_t)w->has_year));
  CM_TRY(cm_strcol_push(&c->type, w->type.p, w->type.n));
  CM_TRY(cm_buf_push_i64(&c->cites, w->cited_by_count));
  /* Country set: institution codes and countries[], two letters A-Z only. */
  scratch->len = 0;
  char cc[2];
  for (size_t i = 0; i < w->n_inst; i++)
    if (cm_country2(w->inst_country[i].p, w->inst_country[i].n, cc)) CM_TRY(cm_buf_append(scratch, cc, 2));
  for (size_t i = 0; i < w->n_countries; i++)
    if (cm_country2(w->countries[i].p, w->countries[i].n, cc)) CM_TRY(cm_buf_append(scratch, cc, 2));
  size_t k = scratch->len / 2;
  if (k > 1) qsort(scratch->data, k, 2, cmp_code);
  for (size_t i = 0; i < k; i++)
    if (i == 0 || memcmp(scratch->data + 2 * i, scratch->data + 2 * (i - 1), 2) != 0)
      CM_TRY(cm_listcol_add(&c->countries, scratch->data + 2 * i, 2));
  CM_TRY(cm_listcol_end_row(&c->countries));
  /* Institutions with an id (their key after the last '/'). */
  for (size_t i = 0; i < w->n_inst; i++) {
    cm_str id = w->inst_id[i];
    const char *key = cm_after_slash(id.p, &id.n);
    if (id.n == 0) continue;
    CM_TRY(cm_listcol_add(&c->inst_id, key, id.n));
    CM_TRY(cm_listcol_add(&c->inst_name, w->inst_name[i].p, w->inst_name[i].n));
    int ok = cm_country2(w->inst_country[i].p, w->inst_country[i].n, cc);
    CM_TRY(cm_listcol_add(&c->inst_country, cc, ok ? 2 : 0));
  }
  CM_TRY(cm_listcol_end_row(&c->inst_id));
  CM_TRY(cm_listcol_end_row(&c->inst_name));
  CM_TRY(cm_listcol_end_row(&c->inst_country));
  cm_str f = w->field_id;
  const char *fk = cm_after_slash(f.p, &f.n);
  if (f.n == 0)
    CM_TRY(cm_strcol_push(&c->field, "none", 4));
  else
    CM_TRY(cm_strcol_push(&c->field, fk, f.n));
  CM_TRY(push_after_slash(&c->topic_id, w->topic_id));
  CM_TRY(cm_strcol_push(&c->first_author, w->first_author.p, w->first_author.n));
  return cm_strcol_push(&c->topic_name, w->topic_name.p, w->topic_name.n);
}
