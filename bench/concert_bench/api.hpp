#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_client.hpp"

namespace concertd::bench {

inline constexpr std::string_view kApi = "/api/v1";

struct SeatView {
  std::int64_t number = 0;
  bool available = false;
  std::int64_t price = 0;
};

// Setup and checks through the API, outside the measured window. Helpers that need a
// particular answer throw std::runtime_error (with the answer) when they get another.
class Api final {
 public:
  Api(const net::ip::tcp::endpoint& endpoint, std::string host);

  // The upcoming concert named concert_name(seats) (with every seat available when
  // `unsold`), if there is one.
  [[nodiscard]] std::optional<std::string> find_concert(std::int64_t seats, bool unsold);
  [[nodiscard]] std::string create_concert(std::int64_t seats, std::int64_t price,
                                           const std::string& admin_key);
  // find_concert, else create_concert when there is an admin key, else throws.
  [[nodiscard]] std::string concert(std::int64_t seats, bool unsold, std::int64_t price,
                                    const std::optional<std::string>& admin_key);
  [[nodiscard]] std::vector<SeatView> seat_map(const std::string& concert);
  [[nodiscard]] Response get(const std::string& target, std::string_view bearer = {});

 private:
  BlockingClient client_;
};

[[noreturn]] void throw_unexpected(std::string_view what, const Response& response);
// A string field of a JSON object body; nullopt when the body is no such object.
[[nodiscard]] std::optional<std::string> json_string(std::string_view body, std::string_view field);
// An integer field of a JSON object body; nullopt when the body is no such object.
[[nodiscard]] std::optional<std::int64_t> json_int(std::string_view body, std::string_view field);
// The seat map body of GET /concerts/{id}/seats; nullopt when it is malformed.
[[nodiscard]] std::optional<std::vector<SeatView>> parse_seat_map(std::string_view body);

}  // namespace concertd::bench
