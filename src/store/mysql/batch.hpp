#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql/typed_query.hpp"
#include "store/statement.hpp"

namespace concertd::store::mysql {

// The determined writes (store/sql/write.hpp) of a transaction that a Connection keeps
// until the transaction needs them: its commit, which sends them with the COMMIT, or its
// next query, which sends them first. Values are inlined as literals that no text can
// break out of: integers in decimal, every string and blob as a hex literal (X'…'), NULL.
// Not thread-safe (one per Connection).
class Batch final {
 public:
  struct Write {
    std::string sql;    // with its values inlined
    std::int64_t rows;  // rows it must change, or sql::kAnyRows
  };

  void add(std::string sql, std::int64_t rows) { writes_.push_back({std::move(sql), rows}); }
  [[nodiscard]] bool empty() const noexcept { return writes_.empty(); }
  [[nodiscard]] const std::vector<Write>& writes() const noexcept { return writes_; }
  void clear() noexcept { writes_.clear(); }

  // The writes as one MariaDB compound statement (BEGIN NOT ATOMIC … END, one statement
  // to the server: no CLIENT_MULTI_STATEMENTS), each followed by a check of its rows that
  // fails the statement (SIGNAL, error kErSignal) before anything after it runs, then
  // COMMIT when `commit`.
  [[nodiscard]] std::string compound(bool commit) const;

 private:
  std::vector<Write> writes_;
};

// The error number of the compound statement's check (SIGNAL SQLSTATE '45000').
inline constexpr unsigned kErSignal = 1644;

// One determined write bound into a Batch: run() adds it with its values inlined. Every
// `?` of the statement must be bound (std::logic_error otherwise); parameter indexes are
// 1-based, as Query's.
class BatchWrite final : public sql::TypedQuery<BatchWrite> {
 public:
  BatchWrite(Batch& batch, const Statement& statement, std::int64_t rows);

  using TypedQuery::bind;
  BatchWrite& bind(int index, std::int64_t value);
  // Text (utf8mb4) and bytes alike as hex; text carries the _utf8mb4 introducer, so the
  // server checks it is valid UTF-8 as it does for a bound string.
  BatchWrite& bind(int index, std::string_view value);
  BatchWrite& bind_bytes(int index, std::string_view value);
  BatchWrite& bind_blob(int index, std::string_view value) { return bind_bytes(index, value); }
  BatchWrite& bind_null(int index);
  void run();

 private:
  BatchWrite& set(int index, std::string literal);

  Batch& batch_;
  std::string_view sql_;
  std::int64_t rows_;
  std::vector<std::optional<std::string>> values_;
};

// `sql` with its Nth `?` (outside quoted text and identifiers) replaced by values[N-1];
// std::logic_error unless there are as many `?` as values.
[[nodiscard]] std::string inline_values(std::string_view sql,
                                        const std::vector<std::string>& values);

// X'…' of `bytes`.
[[nodiscard]] std::string hex_literal(std::string_view bytes);

}  // namespace concertd::store::mysql
