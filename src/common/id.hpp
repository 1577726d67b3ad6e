#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace concertd {

// A 16-byte RFC 4122 UUID. Text form only at the edges (HTTP, logs).
class Uuid final {
 public:
  using Bytes = std::array<std::uint8_t, 16>;

  constexpr Uuid() = default;
  constexpr explicit Uuid(const Bytes& bytes) : bytes_(bytes) {}

  // A random (version 4) UUID from the OS CSPRNG. Thread-safe.
  [[nodiscard]] static Uuid random();
  // Accepts the canonical 8-4-4-4-12 hex form, either case; nullopt otherwise.
  [[nodiscard]] static std::optional<Uuid> parse(std::string_view text);

  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] const Bytes& bytes() const noexcept { return bytes_; }
  constexpr auto operator<=>(const Uuid&) const = default;

 private:
  Bytes bytes_{};
};

// A typed id, so a UserId can never be passed where a ConcertId is wanted.
template <class Tag>
class StrongId final {
 public:
  constexpr StrongId() = default;
  constexpr explicit StrongId(Uuid uuid) : uuid_(uuid) {}

  [[nodiscard]] static StrongId random() { return StrongId(Uuid::random()); }
  [[nodiscard]] static std::optional<StrongId> parse(std::string_view text) {
    if (auto uuid = Uuid::parse(text)) return StrongId(*uuid);
    return std::nullopt;
  }

  [[nodiscard]] const Uuid& uuid() const noexcept { return uuid_; }
  [[nodiscard]] std::string to_string() const { return uuid_.to_string(); }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  Uuid uuid_;
};

using UserId = StrongId<struct UserTag>;
using ConcertId = StrongId<struct ConcertTag>;
using ReservationId = StrongId<struct ReservationTag>;
using PaymentId = StrongId<struct PaymentTag>;

}  // namespace concertd

template <>
struct std::hash<concertd::Uuid> {
  std::size_t operator()(const concertd::Uuid& id) const noexcept {
    std::size_t h = 0;
    for (auto b : id.bytes()) h = h * 131 + b;
    return h;
  }
};

template <class Tag>
struct std::hash<concertd::StrongId<Tag>> {
  std::size_t operator()(const concertd::StrongId<Tag>& id) const noexcept {
    return std::hash<concertd::Uuid>{}(id.uuid());
  }
};
