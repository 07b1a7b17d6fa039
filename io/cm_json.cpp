// simdjson shim: the only C++ file in citemill. See cm_json.h for why DOM.
#include "cm_json.h"

#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

using namespace simdjson;

struct cm_json_parser {
  dom::parser dom;
  std::vector<cm_str> a_name, a_country, cited, npl;
  std::vector<cm_str> i_id, i_name, i_country, countries;
  std::deque<std::string> texts; // strings we had to build (numbers as text)
};

namespace {

cm_str view(std::string_view s) { return cm_str{s.data(), s.size()}; }
cm_str none() { return cm_str{"", 0}; }

// A string field, or empty when missing, null, empty or not a string.
cm_str get_str(dom::object o, const char *key) {
  std::string_view s;
  if (o[key].get_string().get(s) == SUCCESS) return view(s);
  return none();
}

bool is_blank(cm_str s) {
  for (size_t i = 0; i < s.n; i++)
    if (s.p[i] != ' ') return false;
  return true;
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

void set_why(char *why, size_t n, const char *msg) {
  if (why && n) snprintf(why, n, "%s", msg);
}

// Parses and checks "one JSON object"; returns CM_JSON_OK or INVALID.
int parse_object(cm_json_parser *p, const char *line, size_t len, dom::object &obj, char *why,
                 size_t why_len) {
  dom::element root;
  auto err = p->dom.parse(reinterpret_cast<const uint8_t *>(line), len, false).get(root);
  if (err != SUCCESS) {
    std::string m = std::string("invalid JSON: ") + error_message(err);
    set_why(why, why_len, m.c_str());
    return CM_JSON_INVALID;
  }
  if (root.get_object().get(obj) != SUCCESS) {
    set_why(why, why_len, "invalid JSON: line is not a JSON object");
    return CM_JSON_INVALID;
  }
  return CM_JSON_OK;
}

} // namespace

extern "C" cm_json_parser *cm_json_parser_new(void) {
  try {
    return new cm_json_parser();
  } catch (...) {
    return nullptr;
  }
}

extern "C" void cm_json_parser_free(cm_json_parser *p) { delete p; }

extern "C" int cm_json_parse_patent(cm_json_parser *p, const char *line, size_t len, cm_patent *out,
                                    char *why, size_t why_len) {
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
    out->publication_number = get_str(o, "publication_number");
    if (out->publication_number.n == 0 || is_blank(out->publication_number)) {
      set_why(why, why_len, "missing required field publication_number");
      return CM_JSON_MISSING;
    }
    out->country_code = get_str(o, "country_code");
    if (out->country_code.n == 0) {
      set_why(why, why_len, "missing required field country_code");
      return CM_JSON_MISSING;
    }
    // publication_date: integer or string of ASCII digits; else unknown.
    dom::element d;
    if (o["publication_date"].get(d) == SUCCESS) {
      int64_t v = 0;
      std::string_view s;
      if (get_int(d, v)) {
        out->publication_date = v > 0 ? v : 0;
      } else if (d.get_string().get(s) == SUCCESS && !s.empty() && s.size() <= 18) {
        bool digits = true;
        for (char c : s)
          digits = digits && c >= '0' && c <= '9';
        if (digits) {
          for (char c : s)
            v = v * 10 + (c - '0');
          out->publication_date = v;
        }
      }
    }
    // family_id: string or number; "-1" means none.
    dom::element f;
    if (o["family_id"].get(f) == SUCCESS) {
      std::string_view s;
      int64_t v = 0;
      if (f.get_string().get(s) == SUCCESS) {
        if (s != "-1") out->family_id = view(s);
      } else if (get_int(f, v)) {
        if (v != -1) {
          p->texts.push_back(std::to_string(v));
          out->family_id = view(p->texts.back());
        }
      }
    }
    // Assignees: harmonized when a non-empty array, else the plain array.
    dom::array arr;
    if (o["assignee_harmonized"].get_array().get(arr) == SUCCESS && arr.size() > 0) {
      out->assignee_source = 1;
      for (dom::element e : arr) {
        dom::object a;
        if (e.get_object().get(a) != SUCCESS) continue;
        cm_str name = get_str(a, "name");
        if (name.n == 0) continue;
        p->a_name.push_back(name);
        p->a_country.push_back(get_str(a, "country_code"));
      }
    } else if (o["assignee"].get_array().get(arr) == SUCCESS) {
      out->assignee_source = 2;
      for (dom::element e : arr) {
        std::string_view s;
        if (e.get_string().get(s) != SUCCESS || s.empty()) continue;
        p->a_name.push_back(view(s));
        p->a_country.push_back(none());
      }
    }
    if (o["citation"].get_array().get(arr) == SUCCESS) {
      for (dom::element e : arr) {
        dom::object c;
        if (e.get_object().get(c) != SUCCESS) continue;
        cm_str pn = get_str(c, "publication_number");
        if (pn.n > 0 && !is_blank(pn)) p->cited.push_back(pn);
        cm_str t = get_str(c, "npl_text");
        if (t.n > 0) p->npl.push_back(t);
      }
    }
    out->n_assignees = p->a_name.size();
    out->assignee_name = p->a_name.data();
    out->assignee_country = p->a_country.data();
    out->n_cited = p->cited.size();
    out->cited = p->cited.data();
    out->n_npl = p->npl.size();
    out->npl = p->npl.data();
    return CM_JSON_OK;
  } catch (...) {
    set_why(why, why_len, "internal parser error (out of memory?)");
    return CM_JSON_INVALID;
  }
}

extern "C" int cm_json_parse_work(cm_json_parser *p, const char *line, size_t len, cm_work *out, char *why,
                                  size_t why_len) {
  try {
    dom::object o;
    int rc = parse_object(p, line, len, o, why, why_len);
    if (rc != CM_JSON_OK) return rc;
    p->i_id.clear();
    p->i_name.clear();
    p->i_country.clear();
    p->countries.clear();
    *out = cm_work{};
    out->id = get_str(o, "id");
    const char *slash = out->id.n ? (const char *)memrchr(out->id.p, '/', out->id.n) : nullptr;
    size_t key_len = slash ? out->id.n - (size_t)(slash + 1 - out->id.p) : out->id.n;
    if (key_len == 0) {
      set_why(why, why_len, "missing required field id");
      return CM_JSON_MISSING;
    }
    out->doi = get_str(o, "doi");
    out->title = get_str(o, "title");
    if (out->title.n == 0) out->title = get_str(o, "display_name");
    dom::element e;
    if (o["publication_year"].get(e) == SUCCESS) out->has_year = get_int(e, out->year);
    out->type = get_str(o, "type");
    if (o["cited_by_count"].get(e) == SUCCESS && !get_int(e, out->cited_by_count)) out->cited_by_count = 0;
    dom::array auths;
    if (o["authorships"].get_array().get(auths) == SUCCESS) {
      for (dom::element a : auths) {
        dom::object ao;
        if (a.get_object().get(ao) != SUCCESS) continue;
        dom::array insts, cs;
        if (ao["institutions"].get_array().get(insts) == SUCCESS) {
          for (dom::element i : insts) {
            dom::object io;
            if (i.get_object().get(io) != SUCCESS) continue;
            p->i_id.push_back(get_str(io, "id"));
            p->i_name.push_back(get_str(io, "display_name"));
            p->i_country.push_back(get_str(io, "country_code"));
          }
        }
        if (ao["countries"].get_array().get(cs) == SUCCESS) {
          for (dom::element c : cs) {
            std::string_view s;
            if (c.get_string().get(s) == SUCCESS && !s.empty()) p->countries.push_back(view(s));
          }
        }
      }
    }
    dom::object topic, field;
    if (o["primary_topic"].get_object().get(topic) == SUCCESS) {
      out->topic_id = get_str(topic, "id");
      out->topic_name = get_str(topic, "display_name");
      if (topic["field"].get_object().get(field) == SUCCESS) out->field_id = get_str(field, "id");
    }
    out->n_inst = p->i_id.size();
    out->inst_id = p->i_id.data();
    out->inst_name = p->i_name.data();
    out->inst_country = p->i_country.data();
    out->n_countries = p->countries.size();
    out->countries = p->countries.data();
    return CM_JSON_OK;
  } catch (...) {
    set_why(why, why_len, "internal parser error (out of memory?)");
    return CM_JSON_INVALID;
  }
}
