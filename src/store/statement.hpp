#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>

namespace concertd::store {

// One statement of a store's SQL catalogue (sql/catalogue.hpp, each adapter's
// queries.hpp, audit.hpp), defined `inline constexpr` at namespace scope. A connection
// caches what it prepared from a Statement under the Statement's address, which an object
// of static storage keeps for the life of the process (so Connection::query refuses
// temporaries). SQL made at run time is not a Statement: Connection::run_once prepares,
// runs and finalizes it in one call.
struct Statement {
  std::string_view sql;
};

namespace detail {
constexpr std::string_view text_of(const Statement& statement) { return statement.sql; }
constexpr std::string_view text_of(std::string_view text) { return text; }

template <const auto&... parts>
inline constexpr auto kJoinedText = [] {
  std::array<char, (text_of(parts).size() + ...)> out{};
  auto at = out.begin();
  ((at = std::ranges::copy(text_of(parts), at).out), ...);
  return out;
}();
}  // namespace detail

// The statement whose text is `parts` (Statements and string_views of static storage)
// joined at compile time: a dialect's clause before or after a shared statement, e.g.
// `joined<sql::kCreditBalance, kReturningBalance>`.
template <const auto&... parts>
inline constexpr Statement joined{
    std::string_view(detail::kJoinedText<parts...>.data(), detail::kJoinedText<parts...>.size())};

}  // namespace concertd::store
