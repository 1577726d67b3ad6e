#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/id.hpp"
#include "common/money.hpp"

namespace concertd::store::sql {

// The domain's values as both adapters store them, over each adapter's Query (CRTP):
// ids as 16 bytes, timestamps as epoch milliseconds, money as whole won. `Query` brings
// the primitives: bind(int, std::int64_t), bind_blob(int, std::string_view) (bytes stored
// as a blob: ids), bind_null(int), is_null(int), int64(int), bytes(int) (a view valid until the
// next step). It declares `using TypedQuery::bind;` so that both sets of overloads are seen.
// Parameter indexes are 1-based (the Nth `?`), columns 0-based.
template <class Query>
class TypedQuery {
 public:
  Query& bind(int index, const Uuid& value) {
    const auto& bytes = value.bytes();
    return self().bind_blob(
        index, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  template <class Tag>
  Query& bind(int index, const StrongId<Tag>& value) {
    return bind(index, value.uuid());
  }
  Query& bind(int index, Timestamp value) {
    return self().bind(index, static_cast<std::int64_t>(value.time_since_epoch().count()));
  }
  Query& bind(int index, std::optional<Timestamp> value) {
    return value ? bind(index, *value) : self().bind_null(index);
  }
  Query& bind(int index, Won value) { return self().bind(index, value.value()); }

  // Throws StoreCorrupt when the stored value is not 16 bytes.
  [[nodiscard]] Uuid uuid(int column) const {
    const std::string_view stored = self().bytes(column);
    Uuid::Bytes bytes;
    if (self().is_null(column) || stored.size() != bytes.size()) {
      throw StoreCorrupt("store: a stored id is not 16 bytes");
    }
    std::memcpy(bytes.data(), stored.data(), bytes.size());
    return Uuid(bytes);
  }
  template <class Id>
  [[nodiscard]] Id id(int column) const {
    return Id(uuid(column));
  }
  [[nodiscard]] Timestamp timestamp(int column) const {
    return Timestamp(std::chrono::milliseconds(self().int64(column)));
  }
  [[nodiscard]] std::optional<Timestamp> optional_timestamp(int column) const {
    if (self().is_null(column)) return std::nullopt;
    return timestamp(column);
  }
  [[nodiscard]] Won won(int column) const { return Won(self().int64(column)); }

 private:
  friend Query;
  TypedQuery() = default;

  Query& self() noexcept { return static_cast<Query&>(*this); }
  const Query& self() const noexcept { return static_cast<const Query&>(*this); }
};

}  // namespace concertd::store::sql
