#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

namespace concertd::bench {

namespace net = boost::asio;
namespace beast = boost::beast;

using Response = beast::http::response<beast::http::string_body>;

// A keep-alive HTTP/1.1 request as it goes on the wire, serialized once: the load loops
// send the same bytes many times, and Beast's serializer would cost the client (which
// shares the cores with the server) more than the write itself.
struct Request {
  std::string wire;
};

struct Header {
  std::string_view name;
  std::string_view value;
};

// `bearer` (if any) goes in Authorization, a non-empty body is sent as JSON. Names and
// values must not contain CR or LF.
[[nodiscard]] Request make_request(beast::http::verb verb, std::string_view target,
                                   std::string_view host, std::string_view bearer = {},
                                   std::string_view body = {},
                                   std::initializer_list<Header> headers = {});
// The problem+json `code` of an error answer; "" when there is none.
[[nodiscard]] std::string problem_code(const Response& response);

// One keep-alive client connection. Not thread-safe: one exchange at a time, on the
// executor it was made with.
class HttpConnection final {
 public:
  static constexpr std::chrono::seconds kTimeout{30};

  HttpConnection(net::any_io_executor executor, net::ip::tcp::endpoint endpoint);

  // Throws boost::system::system_error.
  net::awaitable<void> connect();
  [[nodiscard]] bool is_open() const noexcept { return open_; }
  // Sends `request` (which must outlive the call) and reads the answer, connecting first
  // when the connection is closed. Throws boost::system::system_error; the connection is
  // closed then, and the next exchange reconnects.
  net::awaitable<Response> exchange(const Request& request);

 private:
  void close() noexcept;

  net::ip::tcp::endpoint endpoint_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool open_ = false;
};

// Setup and checks outside the measured window: one connection on a private io_context,
// driven on the calling thread.
class BlockingClient final {
 public:
  BlockingClient(const net::ip::tcp::endpoint& endpoint, std::string host);

  // Throws boost::system::system_error when no answer came. A kept-alive connection the
  // server closed while it was idle is reconnected and the request sent once more.
  [[nodiscard]] Response send(const Request& request);
  [[nodiscard]] Response send(beast::http::verb verb, std::string_view target,
                              std::string_view bearer = {});
  [[nodiscard]] const std::string& host() const noexcept { return host_; }

 private:
  net::io_context ioc_;
  HttpConnection conn_;
  std::string host_;
};

// Resolves HOST:PORT (a name or an address) to its first TCP endpoint. Throws.
[[nodiscard]] net::ip::tcp::endpoint resolve(const std::string& host, std::uint16_t port);

}  // namespace concertd::bench
