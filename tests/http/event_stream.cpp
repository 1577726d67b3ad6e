#include "http/event_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/json/parse.hpp>
#include <stdexcept>

namespace concertd::test {
namespace {

void parse_line(std::string_view line, StreamBlock& block) {
  if (line.starts_with(':')) {
    block.comment = std::string(line.substr(line.starts_with(": ") ? 2 : 1));
    return;
  }
  const auto colon = line.find(':');
  const std::string_view name = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (name == "id") block.id = value;
  if (name == "event") block.event = value;
  if (name == "data") block.data += value;
  if (name == "retry") block.retry = value;
}

}  // namespace

EventStreamClient::EventStreamClient(const Endpoint& server, std::string_view queue_token,
                                     std::string_view last_event_id) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server.port);
  ::inet_pton(AF_INET, server.host.c_str(), &address.sin_addr);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("cannot connect to " + server.str());
  }
  std::string request = "GET /api/v1/queue/events?token=" + std::string(queue_token) +
                        " HTTP/1.1\r\nHost: " + server.str() + "\r\nAccept: text/event-stream\r\n";
  if (!last_event_id.empty()) request += "Last-Event-ID: " + std::string(last_event_id) + "\r\n";
  request += "\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("cannot send the stream request");
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::size_t end = 0;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) throw std::runtime_error("closed before the header: " + buffer_);
  }
  header_ = buffer_.substr(0, end + 4);
  buffer_.erase(0, end + 4);
  status_ = static_cast<unsigned>(std::stoul(header_.substr(header_.find(' ') + 1, 3)));
}

EventStreamClient::~EventStreamClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool EventStreamClient::fill(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
  if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
    throw std::runtime_error("no stream data in time; so far: " + buffer_);
  }
  std::array<char, 4096> chunk{};
  const ssize_t got = ::recv(fd_, chunk.data(), chunk.size(), 0);
  if (got <= 0) return false;
  buffer_.append(chunk.data(), static_cast<std::size_t>(got));
  return true;
}

std::optional<StreamBlock> EventStreamClient::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t end = 0;
  while ((end = buffer_.find("\n\n")) == std::string::npos) {
    if (!fill(deadline)) return std::nullopt;
  }
  StreamBlock block;
  std::string_view text(buffer_.data(), end);
  while (!text.empty()) {
    const auto eol = text.find('\n');
    parse_line(text.substr(0, eol), block);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
  }
  buffer_.erase(0, end + 2);
  if (!block.data.empty()) block.json = json::parse(block.data);
  return block;
}

std::optional<StreamBlock> EventStreamClient::next_event(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto block = next(left);
    if (!block || block->is_event()) return block;
  }
}

}  // namespace concertd::test
