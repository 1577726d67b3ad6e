#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/url_view.hpp>
#include <cstddef>
#include <memory_resource>
#include <optional>
#include <string_view>

#include "http/message.hpp"

// The pure steps of reading a request that the server takes between the socket and the
// router: the parser's limits, the header rules, the target and the handler's view.
// No I/O, no state: also what fuzz/http_request.cpp drives.
namespace concertd::http {

inline constexpr std::size_t kHeaderLimit = 8 * 1024;

// A request's fields live in an arena of its connection, not one heap block per field.
using FieldsAllocator = std::pmr::polymorphic_allocator<char>;
using HttpRequest =
    beast::http::request<beast::http::string_body, beast::http::basic_fields<FieldsAllocator>>;
using RequestParser = beast::http::request_parser<beast::http::string_body, FieldsAllocator>;

// The problem to answer a failed read with; nullopt: close without a word (the client
// left, timed out, or we are shutting down).
[[nodiscard]] std::optional<Response> read_failure(const beast::error_code& ec,
                                                   std::size_t body_limit);

// RFC 9112 §6.1, §6.3 and §3.2: what a request's header must not be, so that we never
// read its body (or the next request) differently from a proxy in front of us: a
// Transfer-Encoding whose last coding is not chunked (the length cannot be known), one
// with a Content-Length beside it, and an HTTP/1.1 request without exactly one valid Host.
// A problem to answer (and close the connection after), or nullopt.
[[nodiscard]] std::optional<Response> header_problem(const RequestParser& parser);

// The request target in origin form ("/path?query"), or in absolute form
// ("http://host/path?query", which RFC 9112 §3.2.2 has servers accept); nullopt otherwise.
// The view points into `text`.
[[nodiscard]] std::optional<boost::urls::url_view> parse_target(std::string_view text);

// Builds the handler's view of `message` (views into it, `id`, `client` and `client_key`);
// nullopt when its target is neither origin-form nor absolute-form.
[[nodiscard]] std::optional<Request> make_request(const HttpRequest& message, std::string_view id,
                                                  std::string_view client,
                                                  std::string_view client_key);

}  // namespace concertd::http
