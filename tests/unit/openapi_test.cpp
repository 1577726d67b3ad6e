// The drift test of docs/openapi.json (embedded in the binary, served at /openapi.json):
// it names every route of the route table and no other, and only the error codes of
// docs/errors.md, each with the status that table gives it. The document's schemas
// against the live server: tests/openapi (Prism).
#include "http/openapi.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "http/router.hpp"

namespace concertd::http {
namespace {

namespace json = boost::json;

// The source tree, for docs/errors.md (a compile definition of tests/CMakeLists.txt).
#ifdef CONCERTD_SOURCE_DIR
constexpr std::string_view kSourceDir = CONCERTD_SOURCE_DIR;
#else
constexpr std::string_view kSourceDir;
#endif

constexpr std::string_view kProblemTypePrefix = "https://concertd.dev/problems/";
constexpr std::array<std::string_view, 8> kMethods{"get",     "put",  "post",  "delete",
                                                   "options", "head", "patch", "trace"};

using Operation = std::pair<std::string, std::string>;  // {"get", "/api/v1/concerts"}

// Throws, failing the test, when the embedded document is not JSON.
json::value document() { return json::parse(openapi_document()); }

const json::object& object_at(const json::value& value, std::string_view key) {
  return value.as_object().at(key).as_object();
}

// What a local reference ("#/components/...") names; nullptr when that is nothing.
const json::value* referenced(const json::value& doc, std::string_view ref) {
  if (!ref.starts_with("#/")) return nullptr;
  std::error_code ec;
  return doc.find_pointer(ref.substr(1), ec);
}

// `value` itself, or what its "$ref" names.
const json::value* resolve(const json::value& doc, const json::value& value) {
  const json::value* ref = value.is_object() ? value.as_object().if_contains("$ref") : nullptr;
  if (ref == nullptr) return &value;
  return ref->is_string() ? referenced(doc, ref->as_string()) : nullptr;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

bool is_method(std::string_view key) {
  for (const std::string_view method : kMethods) {
    if (key == method) return true;
  }
  return false;
}

std::set<Operation> documented_operations(const json::value& doc) {
  std::set<Operation> out;
  for (const auto& path : object_at(doc, "paths")) {
    for (const auto& item : path.value().as_object()) {
      if (is_method(item.key())) out.emplace(std::string(item.key()), std::string(path.key()));
    }
  }
  return out;
}

std::set<Operation> routed_operations() {
  std::set<Operation> out;
  for (const RouteInfo& route : route_table()) {
    out.emplace(lower(route.method), std::string(route.pattern));
  }
  return out;
}

// The {name}s of a path template, in order.
std::vector<std::string> template_parameters(std::string_view pattern) {
  std::vector<std::string> out;
  for (std::size_t open = pattern.find('{'); open != std::string_view::npos;
       open = pattern.find('{', open + 1)) {
    const std::size_t close = pattern.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(pattern.substr(open + 1, close - open - 1));
  }
  return out;
}

// docs/errors.md's tables: rows "| `CODE` | STATUS | meaning | what to do |".
std::map<std::string, std::int64_t> error_table() {
  std::map<std::string, std::int64_t> out;
  if (kSourceDir.empty()) {
    ADD_FAILURE() << "CONCERTD_SOURCE_DIR is not defined: cannot read docs/errors.md";
    return out;
  }
  const std::string file = std::string(kSourceDir) + "/docs/errors.md";
  std::ifstream in(file);
  EXPECT_TRUE(in.is_open()) << "cannot read " << file;
  constexpr std::string_view kRow = "| `";
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(kRow)) continue;
    const std::size_t code_end = line.find('`', kRow.size());
    if (code_end == std::string::npos) continue;
    const std::size_t status_begin = line.find("| ", code_end);
    if (status_begin == std::string::npos) continue;
    out[line.substr(kRow.size(), code_end - kRow.size())] =
        std::stoll(line.substr(status_begin + 2));
  }
  EXPECT_FALSE(out.empty()) << file << " has no error table rows";
  return out;
}

std::set<std::string> problem_enum(const json::value& doc) {
  std::set<std::string> out;
  std::error_code ec;
  const json::value* codes =
      doc.find_pointer("/components/schemas/Problem/properties/code/enum", ec);
  EXPECT_NE(codes, nullptr) << "the Problem schema's code has no enum";
  if (codes == nullptr || !codes->is_array()) return out;
  for (const json::value& code : codes->as_array()) out.emplace(code.as_string());
  return out;
}

bool is_code(std::string_view code) {
  if (code.empty()) return false;
  for (const char c : code) {
    if ((c < 'A' || c > 'Z') && c != '_') return false;
  }
  return true;
}

// As src/http/errors.cpp derives it: the code in lower case, '_' as '-'.
std::string expected_problem_type(std::string_view code) {
  std::string out(kProblemTypePrefix);
  for (const char c : code) out.push_back(c == '_' ? '-' : lower(c));
  return out;
}

std::optional<std::int64_t> int_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr || !value->is_int64()) return std::nullopt;
  return value->as_int64();
}

// A place where the document names a problem code: a schema whose `code` property has an
// enum or a const (and the `status` const beside it, if any), or a problem example.
struct CodeUse {
  std::string code;
  std::optional<std::int64_t> status;
  std::string where;  // a JSON pointer, for messages
};

void collect_codes(const json::value& value, const std::string& where, std::vector<CodeUse>& out) {
  if (const json::array* array = value.if_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      collect_codes((*array)[i], where + "/" + std::to_string(i), out);
    }
    return;
  }
  const json::object* object = value.if_object();
  if (object == nullptr) return;

  if (const json::value* properties = object->if_contains("properties");
      properties != nullptr && properties->is_object()) {
    std::optional<std::int64_t> status;
    if (const json::value* s = properties->as_object().if_contains("status");
        s != nullptr && s->is_object()) {
      status = int_field(s->as_object(), "const");
    }
    if (const json::value* code = properties->as_object().if_contains("code");
        code != nullptr && code->is_object()) {
      if (const json::value* c = code->as_object().if_contains("const"); c != nullptr) {
        out.push_back({std::string(c->as_string()), status, where});
      }
      if (const json::value* e = code->as_object().if_contains("enum"); e != nullptr) {
        for (const json::value& c : e->as_array()) {
          out.push_back({std::string(c.as_string()), status, where});
        }
      }
    }
  }

  const json::value* type = object->if_contains("type");
  const json::value* code = object->if_contains("code");
  if (type != nullptr && type->is_string() && code != nullptr && code->is_string() &&
      std::string_view(type->as_string()).starts_with(kProblemTypePrefix)) {
    const std::string_view name = code->as_string();
    EXPECT_EQ(std::string_view(type->as_string()), expected_problem_type(name))
        << "the problem type of " << name << " at " << where;
    out.push_back({std::string(name), int_field(*object, "status"), where});
  }

  for (const auto& item : *object) {
    collect_codes(item.value(), where + "/" + std::string(item.key()), out);
  }
}

void collect_refs(const json::value& value, const std::string& where,
                  std::vector<std::pair<std::string, std::string>>& out) {
  if (const json::array* array = value.if_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      collect_refs((*array)[i], where + "/" + std::to_string(i), out);
    }
  } else if (const json::object* object = value.if_object()) {
    if (const json::value* ref = object->if_contains("$ref"); ref != nullptr && ref->is_string()) {
      out.emplace_back(std::string(ref->as_string()), where);
    }
    for (const auto& item : *object) {
      collect_refs(item.value(), where + "/" + std::string(item.key()), out);
    }
  }
}

// The `status` const of a problem response's schema (allOf [Problem, {status: const}]).
std::optional<std::int64_t> problem_status(const json::value& doc, const json::value& response) {
  std::error_code ec;
  const json::value* all_of =
      response.find_pointer("/content/application~1problem+json/schema/allOf", ec);
  if (all_of == nullptr || !all_of->is_array()) return std::nullopt;
  for (const json::value& part : all_of->as_array()) {
    const json::value* schema = resolve(doc, part);
    if (schema == nullptr) continue;
    const json::value* status = schema->find_pointer("/properties/status", ec);
    if (status != nullptr && status->is_object()) {
      if (auto value = int_field(status->as_object(), "const")) return value;
    }
  }
  return std::nullopt;
}

TEST(OpenApi, IsOpenApi31) {
  const json::value doc = document();
  EXPECT_TRUE(std::string_view(doc.as_object().at("openapi").as_string()).starts_with("3.1."));
  EXPECT_FALSE(object_at(doc, "paths").empty());
}

TEST(OpenApi, DocumentsEveryRoute) {
  const auto documented = documented_operations(document());
  const auto routed = routed_operations();
  EXPECT_FALSE(routed.empty());
  for (const auto& [method, pattern] : routed) {
    EXPECT_TRUE(documented.contains(Operation(method, pattern)))
        << "docs/openapi.json lacks the route " << method << " " << pattern;
  }
}

TEST(OpenApi, DocumentsOnlyRoutes) {
  const auto documented = documented_operations(document());
  const auto routed = routed_operations();
  for (const auto& [method, pattern] : documented) {
    EXPECT_TRUE(routed.contains(Operation(method, pattern)))
        << "docs/openapi.json documents " << method << " " << pattern
        << ", which the route table lacks";
  }
}

TEST(OpenApi, DeclaresEveryPathParameter) {
  const json::value doc = document();
  for (const auto& path : object_at(doc, "paths")) {
    const auto names = template_parameters(path.key());
    const std::set<std::string> in_template(names.begin(), names.end());
    for (const auto& item : path.value().as_object()) {
      if (!is_method(item.key())) continue;
      std::set<std::string> declared;
      if (const json::value* parameters = item.value().as_object().if_contains("parameters")) {
        for (const json::value& parameter : parameters->as_array()) {
          const json::value* p = resolve(doc, parameter);
          ASSERT_NE(p, nullptr) << "a dangling parameter of " << item.key() << " " << path.key();
          const json::object& declared_parameter = p->as_object();
          if (declared_parameter.at("in").as_string() == "path") {
            EXPECT_TRUE(declared_parameter.at("required").as_bool()) << path.key();
            declared.emplace(declared_parameter.at("name").as_string());
          }
        }
      }
      EXPECT_EQ(declared, in_template) << item.key() << " " << path.key();
    }
  }
}

TEST(OpenApi, ResolvesEveryReference) {
  const json::value doc = document();
  std::vector<std::pair<std::string, std::string>> refs;
  collect_refs(doc, "", refs);
  EXPECT_FALSE(refs.empty());
  for (const auto& [ref, where] : refs) {
    EXPECT_TRUE(ref.starts_with("#/")) << "a non-local reference " << ref << " at " << where;
    EXPECT_NE(referenced(doc, ref), nullptr) << "a dangling reference " << ref << " at " << where;
  }
}

TEST(OpenApi, ProblemCodeEnumIsTheErrorTable) {
  std::set<std::string> table_codes;
  for (const auto& row : error_table()) table_codes.insert(row.first);
  EXPECT_EQ(problem_enum(document()), table_codes)
      << "the Problem schema's code enum must list exactly the codes of docs/errors.md";
}

TEST(OpenApi, UsesOnlyErrorTableCodesWithTheirStatus) {
  const json::value doc = document();
  const auto known = problem_enum(doc);
  const auto table = error_table();
  std::vector<CodeUse> uses;
  collect_codes(doc, "", uses);
  EXPECT_GT(uses.size(), known.size());
  for (const CodeUse& use : uses) {
    EXPECT_TRUE(is_code(use.code)) << "\"" << use.code << "\" at " << use.where;
    EXPECT_TRUE(known.contains(use.code))
        << use.code << " at " << use.where << " is not in the Problem schema's code enum";
    const auto row = table.find(use.code);
    if (use.status && row != table.end()) {
      EXPECT_EQ(*use.status, row->second)
          << use.code << " at " << use.where << ": docs/errors.md gives " << row->second;
    }
  }
}

TEST(OpenApi, ProblemResponsesAnswerTheirStatus) {
  const json::value doc = document();
  std::size_t checked = 0;
  for (const auto& path : object_at(doc, "paths")) {
    for (const auto& item : path.value().as_object()) {
      if (!is_method(item.key())) continue;
      for (const auto& answer : item.value().as_object().at("responses").as_object()) {
        const json::value* response = resolve(doc, answer.value());
        ASSERT_NE(response, nullptr) << item.key() << " " << path.key() << " " << answer.key();
        const auto status = problem_status(doc, *response);
        if (!status) continue;
        ++checked;
        EXPECT_EQ(std::to_string(*status), std::string_view(answer.key()))
            << item.key() << " " << path.key() << " answers " << answer.key()
            << " with a problem of status " << *status;
      }
    }
  }
  EXPECT_GT(checked, 0U);
}

}  // namespace
}  // namespace concertd::http
