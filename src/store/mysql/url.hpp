#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace concertd::store::mysql {

// Where and as whom to connect, from mysql://USER:PASS@HOST:PORT/DB.
struct Endpoint {
  std::string user;
  std::string password;  // never shown: see redacted()
  std::string host;      // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 3306;
  std::string database;

  // "mysql://USER@HOST:PORT/DB": for messages and logs.
  [[nodiscard]] std::string redacted() const;
};

// Parses mysql://USER:PASS@HOST[:PORT]/DB (user and password percent-decoded; the port
// defaults to 3306). No query or fragment. On failure, nullopt and a one-line reason in
// `why` that does not contain the password.
[[nodiscard]] std::optional<Endpoint> parse_url(std::string_view url, std::string* why = nullptr);

}  // namespace concertd::store::mysql
