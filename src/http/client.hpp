#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace concertd::http {

namespace net = boost::asio;

// An address range, e.g. 10.0.0.0/8, fd00::/8, or one address (a /32 or /128).
struct Network {
  net::ip::address address;
  unsigned prefix = 0;

  [[nodiscard]] bool contains(const net::ip::address& other) const noexcept;
  // "ADDRESS" or "ADDRESS/PREFIX"; nullopt when it is neither.
  [[nodiscard]] static std::optional<Network> parse(std::string_view text);
  friend bool operator==(const Network&, const Network&) = default;
};

// Who sent a request that arrived from `peer`: the peer itself, unless it is one of the
// `trusted` proxies; then the right-most address of `forwarded_for` (X-Forwarded-For,
// which each proxy appends to) that is not itself a trusted proxy. A proxy that appends
// to what the client sent cannot be fooled by it: only its own entry is believed.
[[nodiscard]] net::ip::address client_address(const net::ip::address& peer,
                                              std::string_view forwarded_for,
                                              std::span<const Network> trusted);

// What per-client limits count by: an IPv4 address, or an IPv6 address's /64 (what one
// subscriber is given, so that its 2^64 addresses are one client).
[[nodiscard]] std::string client_key(const net::ip::address& address);

}  // namespace concertd::http
