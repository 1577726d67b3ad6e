#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <charconv>
#include <cstdint>
#include <cstdio>

#include "common/error.hpp"
#include "store/errors.hpp"
#include "store/sqlite/queries.hpp"

namespace concertd::store::sqlite {
namespace {

// SQLITE_STATIC without the macro's old-style cast: SQLite reads bound text and blobs
// in place. Safe because a Query clears its bindings before the caller's data goes away.
const sqlite3_destructor_type kStatic = nullptr;
// SQLITE_TRANSIENT, likewise: SQLite copies the value before bind returns.
const auto kTransient = reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));

bool is_unavailable(int code) {
  switch (code & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_NOLFS:
    case SQLITE_AUTH:
    case SQLITE_PERM:
      return true;
    default:
      return false;
  }
}

void check_bind(int code) {
  if (code != SQLITE_OK) throw_error(code);
}

// The key that SQLite's message "UNIQUE constraint failed: users.username" names.
std::string unique_key(std::string_view message) {
  constexpr std::string_view kLead = "constraint failed: ";
  const auto at = message.find(kLead);
  return std::string(at == std::string_view::npos ? message : message.substr(at + kLead.size()));
}

}  // namespace

void throw_error(int code) {
  std::string message = "sqlite: ";
  message += sqlite3_errstr(code);
  if (is_unavailable(code)) throw StoreUnavailable(message);
  message += " (code " + std::to_string(code) + ")";
  throw SqliteError(code, message);
}

void CloseDb::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

void FinalizeStmt::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

Query::Query(sqlite3_stmt* stmt, bool& in_use) : stmt_(stmt), in_use_(in_use) {
  // A second live Query on one statement would reset it under the first one's feet.
  if (in_use_) throw std::logic_error("sqlite: statement already in use");
  in_use_ = true;
}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  in_use_ = false;
}

Query& Query::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Query& Query::bind(int index, std::string_view value) {
  // A null pointer would bind NULL instead of the empty string.
  const char* data = value.data() != nullptr ? value.data() : "";
  check_bind(sqlite3_bind_text64(stmt_, index, data, value.size(), kStatic, SQLITE_UTF8));
  return *this;
}

Query& Query::bind_blob(int index, std::string_view value) {
  check_bind(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), kStatic));
  return *this;
}

Query& Query::bind(int index, std::chrono::year_month_day value) {
  const int year = static_cast<int>(value.year());
  if (!value.ok() || year < 0 || year > 9999) {
    throw std::invalid_argument("sqlite: date outside 0000-01-01..9999-12-31");
  }
  char text[40];  // room for any int and unsigned, so that no truncation is possible
  const int size =
      std::snprintf(text, sizeof text, "%04d-%02u-%02u", year, static_cast<unsigned>(value.month()),
                    static_cast<unsigned>(value.day()));
  check_bind(sqlite3_bind_text64(stmt_, index, text, static_cast<sqlite3_uint64>(size), kTransient,
                                 SQLITE_UTF8));
  return *this;
}

Query& Query::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Query::step() {
  const int code = sqlite3_step(stmt_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    throw DuplicateKey(unique_key(sqlite3_errmsg(sqlite3_db_handle(stmt_))));
  }
  if (code == SQLITE_CONSTRAINT_FOREIGNKEY) throw MissingReference();
  throw_error(code);
}

void Query::run() {
  while (step()) {
  }
}

bool Query::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Query::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Query::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), size);
}

std::string_view Query::bytes(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
  if (data == nullptr) return {};
  return {static_cast<const char*>(data), size};
}

std::chrono::year_month_day Query::date(int column) const {
  const std::string stored = text(column);
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  const char* text = stored.data();
  const char* end = text + stored.size();
  bool ok = stored.size() == 10 && text[4] == '-' && text[7] == '-';
  ok = ok && std::from_chars(text, text + 4, year).ptr == text + 4;
  ok = ok && std::from_chars(text + 5, text + 7, month).ptr == text + 7;
  ok = ok && std::from_chars(text + 8, end, day).ptr == end;
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!ok || !date.ok()) throw StoreCorrupt("sqlite: a stored date is malformed");
  return date;
}

Connection::Connection(const std::string& path, Role role, std::chrono::milliseconds busy_timeout) {
  // NOMUTEX: a connection is only ever used by one thread at a time (the writer thread,
  // or the thread that leased a reader), so SQLite's own per-connection mutex is waste.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (role == Role::kWriter) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // sqlite3_open_v2 allocates a handle even when it fails
  if (code != SQLITE_OK) throw_error(code);
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_timeout.count()));
  exec(queries::kForeignKeysOn);
  exec(queries::kSynchronousFull);
  if (role == Role::kReader) exec(queries::kQueryOnly);
}

Connection::~Connection() = default;

StmtHandle Connection::prepare(std::string_view sql, unsigned flags) {
  sqlite3_stmt* raw = nullptr;
  const int code =
      sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), flags, &raw, nullptr);
  StmtHandle stmt(raw);
  if (code != SQLITE_OK) throw_error(code);
  return stmt;
}

Query Connection::query(const Statement& statement) {
  auto& cached = cache_[&statement];
  if (!cached.stmt) cached.stmt = prepare(statement.sql, SQLITE_PREPARE_PERSISTENT);
  return Query(cached.stmt.get(), cached.in_use);
}

void Connection::exec(const Statement& statement) { query(statement).run(); }

void Connection::run_once(std::string_view sql, const std::function<void(Query&)>& use) {
  const auto stmt = prepare(sql, 0);
  bool in_use = false;
  Query query(stmt.get(), in_use);
  use(query);
}

void Connection::exec_script(std::string_view sql) {
  const std::string script(sql);  // sqlite3_exec wants a terminated string
  const int code = sqlite3_exec(db_.get(), script.c_str(), nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) throw_error(sqlite3_extended_errcode(db_.get()));
}

std::int64_t Connection::changes() const noexcept { return sqlite3_changes64(db_.get()); }

std::int64_t Connection::insert_id() const noexcept { return sqlite3_last_insert_rowid(db_.get()); }

bool Connection::in_transaction() const noexcept { return sqlite3_get_autocommit(db_.get()) == 0; }

}  // namespace concertd::store::sqlite
