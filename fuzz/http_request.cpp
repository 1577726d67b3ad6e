// The HTTP request path of src/http/server.cpp without its socket: the input is what a
// client sends on one connection. Each request in it is read with the server's parser and
// limits, checked against the server's header rules, turned into the handler's Request
// and routed, until the server would close the connection. The handlers do not run: the
// router's lookup and the request helpers every handler calls do.
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <tuple>

#include "http/handler.hpp"
#include "http/request.hpp"
#include "http/router.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using namespace concertd::http;

// A SyncReadStream over the input: all of it at once, then end of stream.
class BytesStream {
 public:
  explicit BytesStream(std::string_view bytes) : rest_(bytes) {}

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    ec = {};
    if (rest_.empty()) {
      ec = net::error::eof;
      return 0;
    }
    const std::size_t n = net::buffer_copy(buffers, net::buffer(rest_.data(), rest_.size()));
    rest_.remove_prefix(n);
    return n;
  }

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    beast::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

 private:
  std::string_view rest_;
};

// What the server answers before the handler: always a problem, never a 5xx.
void check_refusal(const std::optional<Response>& refusal) {
  if (refusal && (refusal->content_type != kProblemJson ||
                  refusal->status >= beast::http::status::internal_server_error)) {
    std::abort();
  }
}

// The steps of the request after the server has read it (make_request, the router, the
// helpers of handler.hpp); false when the server would answer 400 and close.
bool route(const HttpRequest& message) {
  auto req = make_request(message, "fuzz", "127.0.0.1", "127.0.0.1");
  if (!req) return false;
  const RouteMatch found = find_route(req->method, req->path);
  if (found.route && !found.path_known) std::abort();
  req->params = found.params;
  std::ignore = bearer_token(*req);
  std::ignore = idempotency_key(*req);
  std::ignore = query_param(*req, "token");
  std::ignore = optional_body_token(req->body);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ServerOptions options;
  BytesStream stream(std::string_view(reinterpret_cast<const char*>(data), size));
  beast::flat_buffer buffer;
  for (;;) {
    RequestParser parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.body_limit);
    beast::error_code ec;
    beast::http::read_header(stream, buffer, parser, ec);
    if (ec) {
      check_refusal(read_failure(ec, options.body_limit));
      return 0;
    }
    const auto refused = header_problem(parser);
    check_refusal(refused);
    if (refused) return 0;
    if (!parser.is_done()) {
      beast::http::read(stream, buffer, parser, ec);
      if (ec) {
        check_refusal(read_failure(ec, options.body_limit));
        return 0;
      }
    }
    if (!route(parser.get()) || !parser.get().keep_alive()) return 0;
  }
}
