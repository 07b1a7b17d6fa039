// simdjson shim: the only C++ file in citemill. See cm_json.h for why DOM.
#include "cm_json.h"

#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

using namespace simdjson;

extern "C" const char *const CM_WT_NAMES[CM_WT_N] = {"publication_date",
                                                     "family_id",
                                                     "assignee_harmonized",
                                                     "assignee_harmonized[]",
                                                     "assignee",
                                                     "assignee[]",
                                                     "citation",
                                                     "citation[]",
                                                     "doi",
                                                     "title",
                                                     "publication_year",
                                                     "type",
                                                     "cited_by_count",
                                                     "authorships",
                                                     "authorships[]",
                                                     "primary_topic",
                                                     "primary_topic.field.id"};

struct cm_json_parser {
  dom::parser dom;
  std::vector<cm_str> a_name, a_country, cited, npl;
  std::vector<cm_str> i_id, i_name, i_country, countries;
  std::deque<std::string> texts;  // strings we had to build (numbers as text)
  uint32_t wt[CM_WT_N];           // wrong types of the record being parsed
  uint64_t wrong_type[CM_WT_N];   // of the records parsed successfully
  size_t array_size;              // elements of the last line when it was an array
  std::vector<std::string> elems; // their text (first bytes), for the rejects file
};

namespace {

cm_str view(std::string_view s) { return cm_str{s.data(), s.size()}; }
cm_str none() { return cm_str{"", 0}; }

// The members of an object that a parser reads, found in one pass. When a
// name appears twice the last one counts (SPEC 1), as JSON.parse, Python's
// json and jq read it; simdjson's o[key] would return the first.
template <size_t N> struct members {
  dom::element v[N];
  bool has[N] = {};
  members(dom::object o, const std::string_view (&keys)[N]) {
    for (dom::key_value_pair f : o)
      for (size_t i = 0; i < N; i++)
        if (f.key == keys[i]) {
          v[i] = f.value;
          has[i] = !f.value.is_null(); // null is the same as missing
          break;
        }
  }
};

bool is_blank(cm_str s) {
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] != ' ') return false;
  return true;
}

// BigQuery writes empty nested values as "" or 0: those are missing, not
// values of the wrong type.
bool bigquery_empty(dom::element e) {
  std::string_view s;
  int64_t i;
  if (e.get_string().get(s) == SUCCESS) return s.empty();
  if (e.get_int64().get(i) == SUCCESS) return i == 0;
  return false;
}

// A string member: its text, or empty when missing; another type counts as
// a wrong type of field `wt` (when wt >= 0).
cm_str str_of(cm_json_parser *p, bool has, dom::element e, int wt) {
  std::string_view s;
  if (!has) return none();
  if (e.get_string().get(s) == SUCCESS) return view(s);
  if (wt >= 0) p->wt[wt]++;
  return none();
}

// Strict integer (JSON integer token fitting int64/uint64), no floats.
bool get_int(dom::element e, int64_t &v) {
  if (e.type() == dom::element_type::INT64) return e.get_int64().get(v) == SUCCESS;
  if (e.type() == dom::element_type::UINT64) {
    uint64_t u = 0;
    if (e.get_uint64().get(u) != SUCCESS) return false;
    v = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
    return true;
  }
  return false;
}

// An array member: true with the array; a present value of another type
// (but BigQuery's empty "" / 0) counts as a wrong type.
bool array_of(cm_json_parser *p, bool has, dom::element e, int wt, dom::array &a) {
  if (!has) return false;
  if (e.get_array().get(a) == SUCCESS) return true;
  if (!bigquery_empty(e)) p->wt[wt]++;
  return false;
}

bool object_of(cm_json_parser *p, bool has, dom::element e, int wt, dom::object &o) {
  if (!has) return false;
  if (e.get_object().get(o) == SUCCESS) return true;
  if (!bigquery_empty(e)) p->wt[wt]++;
  return false;
}

void set_why(char *why, size_t n, const char *msg) {
  if (why && n) snprintf(why, n, "%s", msg);
}

// Parses one line; OK with the object, INVALID, or ARRAY (the line is a JSON
// array: its elements' first bytes are kept for the rejects file).
int parse_object(cm_json_parser *p, const char *line, size_t len, dom::object &obj, char *why,
                 size_t why_len) {
  dom::element root;
  auto err = p->dom.parse(reinterpret_cast<const uint8_t *>(line), len, false).get(root);
  if (err != SUCCESS) {
    std::string m = std::string("invalid JSON: ") + error_message(err);
    set_why(why, why_len, m.c_str());
    return CM_JSON_INVALID;
  }
  dom::array arr;
  if (root.get_array().get(arr) == SUCCESS) {
    p->elems.clear();
    for (dom::element e : arr) {
      std::string text = simdjson::minify(e);
      if (text.size() > CM_JSON_REJECT_HEAD) text.resize(CM_JSON_REJECT_HEAD);
      p->elems.push_back(std::move(text));
    }
    p->array_size = p->elems.size();
    set_why(why, why_len, "a JSON array, not one object per line: each element counts as a reject");
    return CM_JSON_ARRAY;
  }
  if (root.get_object().get(obj) != SUCCESS) {
    set_why(why, why_len, "invalid JSON: line is not a JSON object");
    return CM_JSON_INVALID;
  }
  std::memset(p->wt, 0, sizeof p->wt);
  return CM_JSON_OK;
}

// The record parsed: its wrong types count.
int commit(cm_json_parser *p) {
  for (int i = 0; i < CM_WT_N; i++)
    p->wrong_type[i] += p->wt[i];
  return CM_JSON_OK;
}

// publication_date: an integer or a string of ASCII digits; anything else
// is an unknown year (SPEC 5), counted as a wrong type unless it is "".
int64_t publication_date(cm_json_parser *p, bool has, dom::element d) {
  int64_t v = 0;
  std::string_view s;
  if (!has) return 0;
  if (get_int(d, v)) return v > 0 ? v : 0;
  if (d.get_string().get(s) == SUCCESS) {
    if (s.empty()) return 0;
    bool digits = s.size() <= 18;
    for (char c : s)
      digits = digits && c >= '0' && c <= '9';
    if (digits) {
      for (char c : s)
        v = v * 10 + (c - '0');
      return v;
    }
  }
  p->wt[CM_WT_PUBLICATION_DATE]++;
  return 0;
}

// family_id: string or number; "-1" means none.
cm_str family_id(cm_json_parser *p, bool has, dom::element f) {
  std::string_view s;
  int64_t v = 0;
  if (!has) return none();
  if (f.get_string().get(s) == SUCCESS) return s != "-1" ? view(s) : none();
  if (get_int(f, v)) {
    if (v == -1) return none();
    p->texts.push_back(std::to_string(v));
    return view(p->texts.back());
  }
  p->wt[CM_WT_FAMILY_ID]++;
  return none();
}

void patent_assignees(cm_json_parser *p, cm_patent *out, bool has_h, dom::element h, bool has_a,
                      dom::element a) {
  static const std::string_view KEYS[] = {"name", "country_code"};
  dom::array arr;
  // harmonized when a non-empty array, else the plain array of strings
  if (array_of(p, has_h, h, CM_WT_ASSIGNEE_HARMONIZED, arr) && arr.size() > 0) {
    out->assignee_source = 1;
    for (dom::element e : arr) {
      dom::object o;
      if (e.get_object().get(o) != SUCCESS) {
        if (!e.is_null()) p->wt[CM_WT_ASSIGNEE_HARMONIZED_ENTRY]++;
        continue;
      }
      members<2> m(o, KEYS);
      cm_str name = str_of(p, m.has[0], m.v[0], CM_WT_ASSIGNEE_HARMONIZED_ENTRY);
      if (name.n == 0) continue;
      p->a_name.push_back(name);
      p->a_country.push_back(str_of(p, m.has[1], m.v[1], CM_WT_ASSIGNEE_HARMONIZED_ENTRY));
    }
  } else if (array_of(p, has_a, a, CM_WT_ASSIGNEE, arr)) {
    out->assignee_source = 2;
    for (dom::element e : arr) {
      cm_str s = str_of(p, !e.is_null(), e, CM_WT_ASSIGNEE_ENTRY);
      if (s.n == 0) continue;
      p->a_name.push_back(s);
      p->a_country.push_back(none());
    }
  }
}

void patent_citations(cm_json_parser *p, bool has, dom::element c) {
  static const std::string_view KEYS[] = {"publication_number", "npl_text"};
  dom::array arr;
  if (!array_of(p, has, c, CM_WT_CITATION, arr)) return;
  for (dom::element e : arr) {
    dom::object o;
    if (e.get_object().get(o) != SUCCESS) {
      if (!e.is_null()) p->wt[CM_WT_CITATION_ENTRY]++;
      continue;
    }
    members<2> m(o, KEYS);
    cm_str pn = str_of(p, m.has[0], m.v[0], CM_WT_CITATION_ENTRY);
    if (pn.n > 0 && !is_blank(pn)) p->cited.push_back(pn);
    cm_str t = str_of(p, m.has[1], m.v[1], CM_WT_CITATION_ENTRY);
    if (t.n > 0) p->npl.push_back(t);
  }
}

void work_authorships(cm_json_parser *p, cm_work *out, bool has, dom::element au) {
  static const std::string_view AKEYS[] = {"institutions", "countries", "author", "raw_author_name"};
  static const std::string_view IKEYS[] = {"id", "display_name", "country_code"};
  static const std::string_view NKEYS[] = {"display_name"};
  dom::array auths;
  if (!array_of(p, has, au, CM_WT_AUTHORSHIPS, auths)) return;
  bool first = true;
  for (dom::element a : auths) {
    dom::object ao;
    if (a.get_object().get(ao) != SUCCESS) {
      if (!a.is_null()) p->wt[CM_WT_AUTHORSHIPS_ENTRY]++;
      continue;
    }
    members<4> m(ao, AKEYS);
    if (first) { /* the first author's name: the title method's evidence (docs/linkage.md) */
      dom::object author;
      if (object_of(p, m.has[2], m.v[2], CM_WT_AUTHORSHIPS_ENTRY, author)) {
        members<1> n(author, NKEYS);
        out->first_author = str_of(p, n.has[0], n.v[0], CM_WT_AUTHORSHIPS_ENTRY);
      }
      if (out->first_author.n == 0) out->first_author = str_of(p, m.has[3], m.v[3], CM_WT_AUTHORSHIPS_ENTRY);
      first = false;
    }
    dom::array insts, cs;
    if (array_of(p, m.has[0], m.v[0], CM_WT_AUTHORSHIPS_ENTRY, insts))
      for (dom::element i : insts) {
        dom::object io;
        if (i.get_object().get(io) != SUCCESS) {
          if (!i.is_null()) p->wt[CM_WT_AUTHORSHIPS_ENTRY]++;
          continue;
        }
        members<3> f(io, IKEYS);
        p->i_id.push_back(str_of(p, f.has[0], f.v[0], CM_WT_AUTHORSHIPS_ENTRY));
        p->i_name.push_back(str_of(p, f.has[1], f.v[1], CM_WT_AUTHORSHIPS_ENTRY));
        p->i_country.push_back(str_of(p, f.has[2], f.v[2], CM_WT_AUTHORSHIPS_ENTRY));
      }
    if (array_of(p, m.has[1], m.v[1], CM_WT_AUTHORSHIPS_ENTRY, cs))
      for (dom::element c : cs) {
        cm_str s = str_of(p, !c.is_null(), c, CM_WT_AUTHORSHIPS_ENTRY);
        if (s.n > 0) p->countries.push_back(s);
      }
  }
}

void work_topic(cm_json_parser *p, cm_work *out, bool has, dom::element t) {
  static const std::string_view TKEYS[] = {"id", "display_name", "field"};
  static const std::string_view FKEYS[] = {"id"};
  dom::object topic, field;
  if (!object_of(p, has, t, CM_WT_PRIMARY_TOPIC, topic)) return;
  members<3> m(topic, TKEYS);
  out->topic_id = str_of(p, m.has[0], m.v[0], CM_WT_PRIMARY_TOPIC);
  out->topic_name = str_of(p, m.has[1], m.v[1], CM_WT_PRIMARY_TOPIC);
  if (object_of(p, m.has[2], m.v[2], CM_WT_FIELD_ID, field)) {
    members<1> f(field, FKEYS);
    out->field_id = str_of(p, f.has[0], f.v[0], CM_WT_FIELD_ID);
  }
}

} // namespace

extern "C" cm_json_parser *cm_json_parser_new(void) {
  try {
    cm_json_parser *p = new cm_json_parser();
    std::memset(p->wrong_type, 0, sizeof p->wrong_type);
    p->array_size = 0;
    return p;
  } catch (...) {
    return nullptr;
  }
}

extern "C" void cm_json_parser_free(cm_json_parser *p) { delete p; }

extern "C" void cm_json_wrong_types(const cm_json_parser *p, uint64_t counts[CM_WT_N]) {
  std::memcpy(counts, p->wrong_type, sizeof p->wrong_type);
}

extern "C" size_t cm_json_array_size(const cm_json_parser *p) { return p->array_size; }

extern "C" const char *cm_json_array_element(const cm_json_parser *p, size_t i, size_t *len) {
  *len = p->elems[i].size();
  return p->elems[i].data();
}

extern "C" int cm_json_parse_patent(cm_json_parser *p, const char *line, size_t len, cm_patent *out,
                                    char *why, size_t why_len) {
  static const std::string_view KEYS[] = {
      "publication_number",  "country_code", "publication_date", "family_id",
      "assignee_harmonized", "assignee",     "citation"};
  try {
    dom::object o;
    int rc = parse_object(p, line, len, o, why, why_len);
    if (rc != CM_JSON_OK) return rc;
    p->texts.clear();
    p->a_name.clear();
    p->a_country.clear();
    p->cited.clear();
    p->npl.clear();
    *out = cm_patent{};
    members<7> m(o, KEYS);
    out->publication_number = str_of(p, m.has[0], m.v[0], -1); // a number in its place is missing
    if (out->publication_number.n == 0 || is_blank(out->publication_number)) {
      set_why(why, why_len, "missing required field publication_number");
      return CM_JSON_MISSING;
    }
    out->country_code = str_of(p, m.has[1], m.v[1], -1);
    if (out->country_code.n == 0) {
      set_why(why, why_len, "missing required field country_code");
      return CM_JSON_MISSING;
    }
    out->publication_date = publication_date(p, m.has[2], m.v[2]);
    out->family_id = family_id(p, m.has[3], m.v[3]);
    patent_assignees(p, out, m.has[4], m.v[4], m.has[5], m.v[5]);
    patent_citations(p, m.has[6], m.v[6]);
    out->n_assignees = p->a_name.size();
    out->assignee_name = p->a_name.data();
    out->assignee_country = p->a_country.data();
    out->n_cited = p->cited.size();
    out->cited = p->cited.data();
    out->n_npl = p->npl.size();
    out->npl = p->npl.data();
    return commit(p);
  } catch (...) {
    set_why(why, why_len, "internal parser error (out of memory?)");
    return CM_JSON_INVALID;
  }
}

extern "C" int cm_json_parse_work(cm_json_parser *p, const char *line, size_t len, cm_work *out, char *why,
                                  size_t why_len) {
  static const std::string_view KEYS[] = {"id",           "doi",           "title",
                                          "display_name", "type",          "cited_by_count",
                                          "authorships",  "primary_topic", "publication_year"};
  try {
    dom::object o;
    int rc = parse_object(p, line, len, o, why, why_len);
    if (rc != CM_JSON_OK) return rc;
    p->i_id.clear();
    p->i_name.clear();
    p->i_country.clear();
    p->countries.clear();
    *out = cm_work{};
    members<9> m(o, KEYS);
    out->id = str_of(p, m.has[0], m.v[0], -1);
    const char *slash = out->id.n ? (const char *)memrchr(out->id.p, '/', out->id.n) : nullptr;
    size_t key_len = slash ? out->id.n - (size_t)(slash + 1 - out->id.p) : out->id.n;
    if (key_len == 0) {
      set_why(why, why_len, "missing required field id");
      return CM_JSON_MISSING;
    }
    out->doi = str_of(p, m.has[1], m.v[1], CM_WT_DOI);
    out->title = str_of(p, m.has[2], m.v[2], CM_WT_TITLE);
    if (out->title.n == 0) out->title = str_of(p, m.has[3], m.v[3], -1);
    out->type = str_of(p, m.has[4], m.v[4], CM_WT_TYPE);
    if (m.has[5] && !get_int(m.v[5], out->cited_by_count)) {
      out->cited_by_count = 0;
      p->wt[CM_WT_CITED_BY_COUNT]++;
    }
    work_authorships(p, out, m.has[6], m.v[6]);
    work_topic(p, out, m.has[7], m.v[7]);
    if (m.has[8]) {
      out->has_year = get_int(m.v[8], out->year);
      if (!out->has_year) p->wt[CM_WT_PUBLICATION_YEAR]++;
    }
    out->n_inst = p->i_id.size();
    out->inst_id = p->i_id.data();
    out->inst_name = p->i_name.data();
    out->inst_country = p->i_country.data();
    out->n_countries = p->countries.size();
    out->countries = p->countries.data();
    return commit(p);
  } catch (...) {
    set_why(why, why_len, "internal parser error (out of memory?)");
    return CM_JSON_INVALID;
  }
}
