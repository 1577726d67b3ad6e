#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/message.hpp"

namespace concertd::http {

// The files of the booking page, the operator console and Swagger UI: read once at
// startup and served from memory, so that serving one touches no disk on an io thread
// and nothing but the files added here can ever be served (no path is resolved against
// the file system at request time). Not thread-safe to add to; find() is, once built.
class StaticFiles final {
 public:
  struct File {
    std::string body;
    std::string_view content_type;
    std::string etag;  // quoted, from the content
  };

  // Serves `file` at `url_path` (e.g. "/admin"). Returns false when there is no such
  // regular file. Throws std::runtime_error when it exists but cannot be read.
  bool add_file(const std::filesystem::path& file, std::string url_path);
  // Every regular file below `dir` at `prefix` + "/" + its relative path; returns how many.
  std::size_t add_directory(const std::filesystem::path& dir, std::string_view prefix);

  [[nodiscard]] const File* find(std::string_view url_path) const;
  [[nodiscard]] std::size_t size() const noexcept { return files_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, File, Hash, std::equal_to<>> files_;
};

// 200 with the file, or 304 without a body when `if_none_match` names its ETag. HTML
// pages carry a Content-Security-Policy that allows only this origin's scripts.
[[nodiscard]] Response serve_file(const StaticFiles::File& file, std::string_view if_none_match);

}  // namespace concertd::http
