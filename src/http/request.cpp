#include "http/request.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/url/parse.hpp>
#include <string>

#include "http/errors.hpp"

namespace concertd::http {

std::optional<Response> read_failure(const beast::error_code& ec, std::size_t body_limit) {
  if (ec == beast::http::error::header_limit) {
    return problem(problems::kHeadersTooLarge, "request header exceeds 8192 bytes");
  }
  if (ec == beast::http::error::body_limit) {
    return problem(problems::kPayloadTooLarge,
                   "request body exceeds " + std::to_string(body_limit) + " bytes");
  }
  if (ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message) {
    return std::nullopt;
  }
  if (ec.category() == beast::http::make_error_code(beast::http::error::bad_target).category()) {
    return problem(Errc::kInvalidArgument, "malformed HTTP request");
  }
  return std::nullopt;
}

std::optional<Response> header_problem(const RequestParser& parser) {
  const auto& header = parser.get();
  const auto bad = [](std::string_view detail) {
    return std::optional(problem(Errc::kInvalidArgument, detail));
  };
  if (header.count(beast::http::field::transfer_encoding) > 0) {
    if (header.count(beast::http::field::content_length) > 0) {
      return bad("Transfer-Encoding and Content-Length together");
    }
    if (!parser.chunked()) return bad("the last transfer coding must be chunked");
  }
  if (header.version() >= 11) {
    if (header.count(beast::http::field::host) != 1)
      return bad("exactly one Host header is required");
    const auto host = header[beast::http::field::host];
    const auto authority = boost::urls::parse_authority(host);
    if (!host.empty() && (!authority || authority->has_userinfo()))
      return bad("malformed Host header");
  }
  return std::nullopt;
}

std::optional<boost::urls::url_view> parse_target(std::string_view text) {
  if (text.starts_with('/')) {
    auto origin = boost::urls::parse_origin_form(text);
    return origin ? std::optional(*origin) : std::nullopt;
  }
  auto absolute = boost::urls::parse_absolute_uri(text);
  if (!absolute || (absolute->scheme_id() != boost::urls::scheme::http &&
                    absolute->scheme_id() != boost::urls::scheme::https)) {
    return std::nullopt;
  }
  return *absolute;
}

std::optional<Request> make_request(const HttpRequest& message, std::string_view id,
                                    std::string_view client, std::string_view client_key) {
  auto target = parse_target(message.target());
  if (!target) return std::nullopt;
  Request req;
  req.id = id;
  req.client = client;
  req.client_key = client_key;
  req.method = message.method();
  req.target = *target;
  const std::string_view path = target->encoded_path();
  req.path = path.empty() ? std::string_view("/") : path;
  req.authorization = message[beast::http::field::authorization];
  if (auto it = message.find("Idempotency-Key"); it != message.end()) {
    req.idempotency_key = it->value();
  }
  if (auto it = message.find("X-Admin-Key"); it != message.end()) req.admin_key = it->value();
  req.if_none_match = message[beast::http::field::if_none_match];
  req.last_event_id = message["Last-Event-ID"];
  req.body = message.body();
  return req;
}

}  // namespace concertd::http
