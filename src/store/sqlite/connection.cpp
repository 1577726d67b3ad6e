#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <cstring>

#include "common/error.hpp"
#include "store/sqlite/queries.hpp"

namespace concertd::store::sqlite {
namespace {

// SQLITE_STATIC without the macro's old-style cast: SQLite reads bound text and blobs
// in place. Safe because a Query clears its bindings before the caller's data goes away.
const sqlite3_destructor_type kStatic = nullptr;

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

Query& Query::bind(int index, const Uuid& value) {
  check_bind(
      sqlite3_bind_blob64(stmt_, index, value.bytes().data(), value.bytes().size(), kStatic));
  return *this;
}

Query& Query::bind(int index, Timestamp value) {
  return bind(index, static_cast<std::int64_t>(value.time_since_epoch().count()));
}

Query& Query::bind(int index, Won value) { return bind(index, value.value()); }

Query& Query::bind(int index, std::optional<Timestamp> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Query& Query::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

bool Query::step() {
  const int code = sqlite3_step(stmt_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
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

Uuid Query::uuid(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  Uuid::Bytes bytes;
  if (data == nullptr || static_cast<std::size_t>(size) != bytes.size()) {
    throw SqliteError(SQLITE_MISMATCH, "sqlite: stored id is not 16 bytes");
  }
  std::memcpy(bytes.data(), data, bytes.size());
  return Uuid(bytes);
}

Timestamp Query::timestamp(int column) const {
  return Timestamp(std::chrono::milliseconds(int64(column)));
}

std::optional<Timestamp> Query::optional_timestamp(int column) const {
  if (is_null(column)) return std::nullopt;
  return timestamp(column);
}

Won Query::won(int column) const { return Won(int64(column)); }

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

bool Connection::in_transaction() const noexcept { return sqlite3_get_autocommit(db_.get()) == 0; }

}  // namespace concertd::store::sqlite
