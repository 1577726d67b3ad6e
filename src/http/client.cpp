#include "http/client.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>

namespace concertd::http {
namespace {

// An IPv4 address as its IPv4-mapped IPv6 form, so that one comparison serves both.
net::ip::address_v6 as_v6(const net::ip::address& address) {
  return address.is_v4() ? net::ip::make_address_v6(net::ip::v4_mapped, address.to_v4())
                         : address.to_v6();
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

bool Network::contains(const net::ip::address& other) const noexcept {
  if (address.is_v4() != other.is_v4() && !(other.is_v6() && other.to_v6().is_v4_mapped())) {
    return false;
  }
  const auto a = as_v6(address).to_bytes();
  const auto b = as_v6(other).to_bytes();
  const unsigned bits = address.is_v4() ? prefix + 96 : prefix;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const unsigned left = bits > i * 8 ? bits - static_cast<unsigned>(i * 8) : 0;
    if (left == 0) break;
    const auto mask = static_cast<std::uint8_t>(left >= 8 ? 0xFF : 0xFF << (8 - left));
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

std::optional<Network> Network::parse(std::string_view text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto address = net::ip::make_address(text.substr(0, slash), ec);
  if (ec) return std::nullopt;
  const unsigned width = address.is_v4() ? 32 : 128;
  unsigned prefix = width;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        prefix > width) {
      return std::nullopt;
    }
  }
  return Network{address, prefix};
}

net::ip::address client_address(const net::ip::address& peer, std::string_view forwarded_for,
                                std::span<const Network> trusted) {
  const auto is_trusted = [&](const net::ip::address& address) {
    return std::ranges::any_of(trusted, [&](const Network& n) { return n.contains(address); });
  };
  net::ip::address client = peer;
  while (is_trusted(client) && !forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const auto last =
        trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    forwarded_for =
        comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    boost::system::error_code ec;
    const auto hop = net::ip::make_address(last, ec);
    if (ec) break;  // garbage from beyond the last trusted proxy: that proxy is the client
    client = hop;
  }
  return client;
}

std::string client_key(const net::ip::address& address) {
  if (address.is_v4()) return address.to_string();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return net::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace concertd::http
