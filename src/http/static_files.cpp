#include "http/static_files.hpp"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace concertd::http {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHtml = "text/html; charset=utf-8";

struct ContentType {
  std::string_view extension;
  std::string_view type;
};
constexpr std::array kContentTypes{
    ContentType{".html", kHtml},
    ContentType{".css", "text/css; charset=utf-8"},
    ContentType{".js", "text/javascript; charset=utf-8"},
    ContentType{".mjs", "text/javascript; charset=utf-8"},
    ContentType{".json", "application/json"},
    ContentType{".map", "application/json"},
    ContentType{".svg", "image/svg+xml"},
    ContentType{".png", "image/png"},
    ContentType{".ico", "image/x-icon"},
    ContentType{".woff2", "font/woff2"},
    ContentType{".txt", "text/plain; charset=utf-8"},
};

std::string_view content_type_of(const fs::path& file) {
  const std::string extension = file.extension().string();
  for (const auto& [ext, type] : kContentTypes) {
    if (ext == extension) return type;
  }
  return "application/octet-stream";
}

// Scripts, styles and fetches from this origin only; Swagger UI sets inline styles and
// shows data: images. No framing (clickjacking), no referrer to other sites.
constexpr std::string_view kPagePolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

}  // namespace

bool StaticFiles::add_file(const fs::path& file, std::string url_path) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return false;
  std::ifstream in(file, std::ios::binary);
  std::string body(std::istreambuf_iterator<char>(in), {});
  if (!in.good() && !in.eof()) throw std::runtime_error("cannot read " + file.string());
  const auto digest = std::hash<std::string>{}(body);
  std::string etag = fmt::format("\"{:016x}-{:x}\"", digest, body.size());
  files_.insert_or_assign(std::move(url_path),
                          File{std::move(body), content_type_of(file), std::move(etag)});
  return true;
}

std::size_t StaticFiles::add_directory(const fs::path& dir, std::string_view prefix) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  std::size_t added = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = entry.path().lexically_relative(dir).generic_string();
    if (add_file(entry.path(), std::string(prefix) + "/" + relative)) ++added;
  }
  return added;
}

const StaticFiles::File* StaticFiles::find(std::string_view url_path) const {
  const auto it = files_.find(url_path);
  return it == files_.end() ? nullptr : &it->second;
}

Response serve_file(const StaticFiles::File& file, std::string_view if_none_match) {
  Response response{.content_type = file.content_type, .cache_control = "no-cache"};
  response.headers.emplace_back("ETag", file.etag);
  if (file.content_type == kHtml) {
    response.headers.emplace_back("Content-Security-Policy", kPagePolicy);
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (!if_none_match.empty() && if_none_match == file.etag) {
    response.status = beast::http::status::not_modified;
    return response;
  }
  response.body = file.body;
  return response;
}

}  // namespace concertd::http
