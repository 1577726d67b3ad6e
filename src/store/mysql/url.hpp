#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace concertd::store::mysql {

// Where and as whom to connect to one server, from mysql://USER:PASS@HOST:PORT/DB.
struct Endpoint {
  std::string user;
  std::string password;  // never shown: see redacted()
  std::string host;      // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 3306;
  std::string database;

  // "mysql://USER@HOST:PORT/DB": for messages and logs.
  [[nodiscard]] std::string redacted() const;
};

// The most servers one URL may list.
inline constexpr std::size_t kMaxServers = 16;

// Parses mysql://USER:PASS@HOST[:PORT][,HOST[:PORT]...]/DB (user and password
// percent-decoded; each port defaults to 3306): one Endpoint per server listed, in the
// order given, all with the same user, password and database (the nodes of one cluster,
// e.g. Galera, which a node tries in turn: MysqlDatabase). No query or fragment. On failure,
// nullopt and a one-line reason in `why` that does not contain the password.
[[nodiscard]] std::optional<std::vector<Endpoint>> parse_url(std::string_view url,
                                                             std::string* why = nullptr);

// "mysql://USER@HOST:PORT,HOST:PORT/DB": the servers for messages and logs.
[[nodiscard]] std::string redacted(const std::vector<Endpoint>& servers);

}  // namespace concertd::store::mysql
