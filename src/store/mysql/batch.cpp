#include "store/mysql/batch.hpp"

#include <stdexcept>

#include "store/sql/write.hpp"

namespace concertd::store::mysql {
namespace {

// Calls `on_placeholder(at)` for each `?` of `sql` outside '…', "…" and `…`.
template <class OnPlaceholder>
void each_placeholder(std::string_view sql, OnPlaceholder on_placeholder) {
  char quote = 0;
  for (std::size_t at = 0; at < sql.size(); ++at) {
    const char c = sql[at];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: the same
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '?') {
      on_placeholder(at);
    }
  }
}

}  // namespace

std::string Batch::compound(bool commit) const {
  std::string out = "BEGIN NOT ATOMIC ";
  for (const auto& write : writes_) {
    out += write.sql;
    out += "; ";
    if (write.rows != sql::kAnyRows) {
      out += "IF ROW_COUNT() <> " + std::to_string(write.rows) +
             " THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'unexpected rows'; END IF; ";
    }
  }
  if (commit) out += "COMMIT; ";
  out += "END";
  return out;
}

std::string hex_literal(std::string_view bytes) {
  static constexpr std::string_view kDigits = "0123456789ABCDEF";
  std::string out = "X'";
  out.reserve(bytes.size() * 2 + 3);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0F];
  }
  out += '\'';
  return out;
}

std::string inline_values(std::string_view sql, const std::vector<std::string>& values) {
  std::string out;
  std::size_t from = 0;
  std::size_t next = 0;
  each_placeholder(sql, [&](std::size_t at) {
    if (next == values.size()) throw std::logic_error("mysql: more placeholders than values");
    out.append(sql.substr(from, at - from));
    out += values[next++];
    from = at + 1;
  });
  if (next != values.size()) throw std::logic_error("mysql: more values than placeholders");
  out.append(sql.substr(from));
  return out;
}

BatchWrite::BatchWrite(Batch& batch, const Statement& statement, std::int64_t rows)
    : batch_(batch), sql_(statement.sql), rows_(rows) {
  std::size_t count = 0;
  each_placeholder(sql_, [&](std::size_t) { ++count; });
  values_.resize(count);
}

BatchWrite& BatchWrite::set(int index, std::string literal) {
  if (index < 1 || static_cast<std::size_t>(index) > values_.size()) {
    throw std::logic_error("mysql: parameter index out of range");
  }
  values_[static_cast<std::size_t>(index - 1)] = std::move(literal);
  return *this;
}

BatchWrite& BatchWrite::bind(int index, std::int64_t value) {
  return set(index, std::to_string(value));
}

BatchWrite& BatchWrite::bind(int index, std::string_view value) {
  return set(index, "_utf8mb4 " + hex_literal(value));
}

BatchWrite& BatchWrite::bind_bytes(int index, std::string_view value) {
  return set(index, hex_literal(value));
}

BatchWrite& BatchWrite::bind_null(int index) { return set(index, "NULL"); }

void BatchWrite::run() {
  std::vector<std::string> values;
  values.reserve(values_.size());
  for (auto& value : values_) {
    if (!value) throw std::logic_error("mysql: not every parameter is bound");
    values.push_back(std::move(*value));
  }
  batch_.add(inline_values(sql_, values), rows_);
}

}  // namespace concertd::store::mysql
