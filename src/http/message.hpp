#pragma once

#include <array>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/url/url_view.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concertd::http {

namespace beast = boost::beast;

// A request as handlers see it: views into the message the connection read, which it
// keeps alive (and unchanged) until the handler's response is complete. Built by the
// server so that handler files need none of Beast's parser or serializer templates.
struct Request {
  std::uint64_t id = 0;  // for log lines
  beast::http::verb method = beast::http::verb::unknown;
  boost::urls::url_view target;    // the parsed origin-form request target
  std::string_view path;           // percent-encoded, without the query
  std::string_view authorization;  // empty when absent
  std::optional<std::string_view> idempotency_key;
  std::optional<std::string_view> admin_key;  // X-Admin-Key
  std::string_view body;
  std::array<std::string_view, 1> params{};  // path template parameters, in order
};

struct Response {
  beast::http::status status = beast::http::status::ok;
  std::string body;
  bool problem = false;  // application/problem+json instead of application/json
  std::vector<std::pair<beast::http::field, std::string>> headers;
};

[[nodiscard]] inline Response json_response(beast::http::status status, std::string body) {
  return Response{status, std::move(body), false, {}};
}

}  // namespace concertd::http
