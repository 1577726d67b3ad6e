#pragma once

// A raw-socket client of GET /api/v1/queue/events (Server-Sent Events): the response
// header, then the stream's blocks one at a time.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/support.hpp"

namespace concertd::test {

// One block of the stream: an event (its id:, event:, data: and retry: fields) or a
// comment (": keep-alive"), or both.
struct StreamBlock {
  std::string id;
  std::string event;
  std::string data;
  std::string retry;
  std::string comment;
  json::value json;  // `data` parsed, null when there is none

  [[nodiscard]] bool is_event() const { return !event.empty(); }
};

class EventStreamClient final {
 public:
  // Connects and sends the request (the token as a query parameter, as EventSource does),
  // with Last-Event-ID when given; reads the response header. Throws on failure.
  EventStreamClient(const Endpoint& server, std::string_view queue_token,
                    std::string_view last_event_id = {});
  ~EventStreamClient();
  EventStreamClient(const EventStreamClient&) = delete;
  EventStreamClient& operator=(const EventStreamClient&) = delete;

  [[nodiscard]] unsigned status() const noexcept { return status_; }
  // The response header block, as received.
  [[nodiscard]] const std::string& header() const noexcept { return header_; }
  // The next block; nullopt when the server closed the stream. Throws after `timeout`.
  [[nodiscard]] std::optional<StreamBlock> next(std::chrono::milliseconds timeout = 10s);
  // The next block that is an event (comments skipped), as next().
  [[nodiscard]] std::optional<StreamBlock> next_event(std::chrono::milliseconds timeout = 10s);

 private:
  // Reads more into buffer_; false at end of stream. Throws at `deadline`.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  unsigned status_ = 0;
  std::string header_;
  std::string buffer_;
};

}  // namespace concertd::test
