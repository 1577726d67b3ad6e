#include "http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <stdexcept>

namespace concertd::bench {

Request make_request(beast::http::verb verb, std::string_view target, std::string_view host,
                     std::string_view bearer, std::string_view body,
                     std::initializer_list<Header> headers) {
  Request request;
  std::string& w = request.wire;
  w.reserve(256 + bearer.size() + body.size());
  const auto header = [&w](std::string_view name, std::string_view value) {
    w.append(name).append(": ").append(value).append("\r\n");
  };
  w.append(beast::http::to_string(verb)).append(" ").append(target).append(" HTTP/1.1\r\n");
  header("Host", host);
  if (!bearer.empty()) {
    w.append("Authorization: Bearer ").append(bearer).append("\r\n");
  }
  for (const auto& h : headers) header(h.name, h.value);
  if (!body.empty()) header("Content-Type", "application/json");
  if (!body.empty() || verb == beast::http::verb::post)
    header("Content-Length", std::to_string(body.size()));
  w.append("\r\n").append(body);
  return request;
}

std::string problem_code(const Response& response) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(response.body(), ec);
  if (ec || !value.is_object()) return {};
  const auto* code = value.as_object().if_contains("code");
  return code != nullptr && code->is_string() ? std::string(code->as_string()) : std::string();
}

HttpConnection::HttpConnection(net::any_io_executor executor, net::ip::tcp::endpoint endpoint)
    : endpoint_(std::move(endpoint)), stream_(std::move(executor)) {}

net::awaitable<void> HttpConnection::connect() {
  close();
  stream_.expires_after(kTimeout);
  co_await stream_.async_connect(endpoint_, net::use_awaitable);
  stream_.socket().set_option(net::ip::tcp::no_delay(true));
  open_ = true;
}

net::awaitable<Response> HttpConnection::exchange(const Request& request) {
  if (!open_) co_await connect();
  try {
    stream_.expires_after(kTimeout);
    co_await net::async_write(stream_, net::buffer(request.wire), net::use_awaitable);
    // A seat map of a large concert is a few hundred KB; the parser's default limit is 8 MB.
    beast::http::response_parser<beast::http::string_body> parser;
    co_await beast::http::async_read(stream_, buffer_, parser, net::use_awaitable);
    Response response = parser.release();
    if (!response.keep_alive()) close();
    co_return response;
  } catch (...) {
    close();
    throw;
  }
}

void HttpConnection::close() noexcept {
  boost::system::error_code ignored;
  stream_.socket().close(ignored);
  buffer_.clear();
  open_ = false;
}

BlockingClient::BlockingClient(const net::ip::tcp::endpoint& endpoint, std::string host)
    : conn_(ioc_.get_executor(), endpoint), host_(std::move(host)) {}

Response BlockingClient::send(const Request& request) {
  const auto once = [&] {
    auto answer = net::co_spawn(ioc_, conn_.exchange(request), net::use_future);
    ioc_.restart();
    ioc_.run();
    return answer.get();
  };
  if (!conn_.is_open()) return once();
  try {
    return once();
  } catch (const boost::system::system_error& e) {
    if (e.code() != beast::http::error::end_of_stream && e.code() != net::error::connection_reset) {
      throw;
    }
  }
  return once();
}

Response BlockingClient::send(beast::http::verb verb, std::string_view target,
                              std::string_view bearer) {
  return send(make_request(verb, target, host_, bearer));
}

net::ip::tcp::endpoint resolve(const std::string& host, std::uint16_t port) {
  net::io_context ioc;
  net::ip::tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, std::to_string(port));
  if (results.empty()) throw std::runtime_error("cannot resolve " + host);
  return *results.begin();
}

}  // namespace concertd::bench
