#include "store/mysql/connection.hpp"

#include <errmsg.h>
#include <mysql.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <utility>

#include "common/error.hpp"
#include "store/errors.hpp"
#include "store/mysql/queries.hpp"
#include "store/sql/write.hpp"

namespace concertd::store::mysql {

struct Param {
  std::int64_t integer = 0;
  MYSQL_TIME time{};
  std::string bytes;
  unsigned long length = 0;
  my_bool is_null = 0;
  bool bound = false;
};

struct Column {
  enum class Kind { kInteger, kBytes, kDate };
  Kind kind = Kind::kBytes;
  std::int64_t integer = 0;
  MYSQL_TIME time{};
  std::vector<char> bytes;
  unsigned long length = 0;
  my_bool is_null = 0;
  my_bool error = 0;
};

// A prepared statement with the buffers its binds point into. The vectors are sized
// once, when it is prepared, so that those pointers stay valid.
struct Prepared {
  StatementHandle handle;
  std::vector<Param> params;
  std::vector<MYSQL_BIND> param_binds;
  std::vector<Column> columns;
  std::vector<MYSQL_BIND> column_binds;
  bool in_use = false;
  bool rebind = false;  // a column buffer grew: bind the results again before fetching
};

namespace {

constexpr std::size_t kInitialColumnBytes = 64;

// mysql_library_init is not thread-safe, and mysql_init calls it when it has not run.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// The session (or the server) is gone: the connection must not be used again.
bool is_connection_lost(unsigned code) {
  switch (code) {
    case CR_CONNECTION_ERROR:      // 2002
    case CR_CONN_HOST_ERROR:       // 2003
    case CR_UNKNOWN_HOST:          // 2005
    case CR_SERVER_GONE_ERROR:     // 2006
    case CR_SERVER_LOST:           // 2013
    case CR_COMMANDS_OUT_OF_SYNC:  // 2014
    case CR_SSL_CONNECTION_ERROR:  // 2026
    case CR_SERVER_LOST_EXTENDED:  // 2055
    case CR_ERR_NET_READ:          // 5013
    case CR_ERR_NET_WRITE:         // 5014
    case 1040:                     // ER_CON_COUNT_ERROR: too many connections
    case 1053:                     // ER_SERVER_SHUTDOWN
    case 1152:                     // ER_ABORTING_CONNECTION
    case 1184:                     // ER_NEW_ABORTING_CONNECTION
    case 1203:                     // ER_TOO_MANY_USER_CONNECTIONS
    case 1927:                     // ER_CONNECTION_KILLED (MariaDB)
    case 3169:                     // ER_SESSION_WAS_KILLED (MySQL)
    case 4031:                     // ER_CLIENT_INTERACTION_TIMEOUT (MySQL)
      return true;
    default:
      return false;
  }
}

// The server answers but cannot do the work now; the connection itself is fine.
bool is_unavailable(unsigned code) {
  switch (code) {
    case 1021:  // ER_DISK_FULL
    case 1030:  // ER_GET_ERRNO: the storage engine failed (e.g. no space)
    case 1037:  // ER_OUTOFMEMORY
    case 1038:  // ER_OUT_OF_SORTMEMORY
    case 1041:  // ER_OUT_OF_RESOURCES
    case 1114:  // ER_RECORD_FILE_FULL
    case 1180:  // ER_ERROR_DURING_COMMIT
    case 1181:  // ER_ERROR_DURING_ROLLBACK
    case 1290:  // ER_OPTION_PREVENTS_STATEMENT: --read-only
    case 1317:  // ER_QUERY_INTERRUPTED: KILL QUERY, shutdown
    case 1637:  // ER_TOO_MANY_CONCURRENT_TRXS
    case 1836:  // ER_READ_ONLY_MODE
    case 1969:  // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    case 3024:  // ER_QUERY_TIMEOUT (MySQL max_execution_time)
      return true;
    default:
      return false;
  }
}

std::string describe(unsigned code) {
  switch (code) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_UNKNOWN_HOST:
    case 1040:
    case 1203:
      return "mysql: cannot connect to the server";
    case 1021:
    case 1114:
      return "mysql: the disk is full";
    case 1290:
    case 1836:
      return "mysql: the server is read-only";
    case kErUnknownCom:
      return "mysql: the server is not serving (a cluster node outside the primary component)";
    default:
      break;
  }
  if (is_connection_lost(code)) return "mysql: server has gone away";
  return "mysql: the server cannot do this now";
}

// "Duplicate entry 'x' for key 'users_username'" (MariaDB) or "... for key
// 'users.users_username'" (MySQL 8) -> "users_username".
std::string duplicate_key(const char* message) {
  const std::string_view text = message == nullptr ? "" : message;
  constexpr std::string_view kMarker = "for key '";
  const auto at = text.rfind(kMarker);
  if (at == std::string_view::npos || !text.ends_with('\'')) return {};
  auto key = text.substr(at + kMarker.size());
  key.remove_suffix(1);
  if (const auto dot = key.rfind('.'); dot != std::string_view::npos) key.remove_prefix(dot + 1);
  return std::string(key);
}

std::string one_line(const char* text) {
  std::string out = text == nullptr ? "" : text;
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return out;
}

MYSQL_BIND& param_bind(Prepared& stmt, int index) {
  if (index < 1 || static_cast<std::size_t>(index) > stmt.params.size()) {
    throw std::logic_error("mysql: parameter index out of range");
  }
  return stmt.param_binds[static_cast<std::size_t>(index - 1)];
}

Param& param(Prepared& stmt, int index) {
  (void)param_bind(stmt, index);
  return stmt.params[static_cast<std::size_t>(index - 1)];
}

// Points the result binds at each column's buffer.
void bind_columns(Prepared& stmt) {
  for (std::size_t i = 0; i < stmt.columns.size(); ++i) {
    Column& col = stmt.columns[i];
    MYSQL_BIND& b = stmt.column_binds[i];
    b = MYSQL_BIND{};
    b.is_null = &col.is_null;
    b.error = &col.error;
    b.length = &col.length;
    switch (col.kind) {
      case Column::Kind::kInteger:
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &col.integer;
        break;
      case Column::Kind::kDate:
        b.buffer_type = MYSQL_TYPE_DATE;
        b.buffer = &col.time;
        break;
      case Column::Kind::kBytes:
        b.buffer_type = MYSQL_TYPE_BLOB;
        b.buffer = col.bytes.data();
        b.buffer_length = static_cast<unsigned long>(col.bytes.size());
        break;
    }
  }
}

Column::Kind column_kind(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return Column::Kind::kInteger;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return Column::Kind::kDate;
    default:
      return Column::Kind::kBytes;
  }
}

}  // namespace

void CloseConnection::operator()(st_mysql* conn) const noexcept { mysql_close(conn); }

void CloseStatement::operator()(st_mysql_stmt* stmt) const noexcept { mysql_stmt_close(stmt); }

// Query

Query::Query(Connection& conn, Prepared& stmt) : conn_(conn), stmt_(stmt) {
  // A second live Query on one statement would reset it under the first one's feet.
  if (stmt_.in_use) throw std::logic_error("mysql: statement already in use");
  stmt_.in_use = true;
}

Query::~Query() {
  if (executed_ && !stmt_.columns.empty()) mysql_stmt_free_result(stmt_.handle.get());
  for (auto& p : stmt_.params) p.bound = false;
  stmt_.in_use = false;
}

Query& Query::bind(int index, std::int64_t value) {
  MYSQL_BIND& b = param_bind(stmt_, index);
  Param& p = param(stmt_, index);
  p.integer = value;
  p.is_null = 0;
  p.bound = true;
  b = MYSQL_BIND{};
  b.buffer_type = MYSQL_TYPE_LONGLONG;
  b.buffer = &p.integer;
  b.is_null = &p.is_null;
  return *this;
}

Query& Query::bind(int index, std::string_view value) {
  MYSQL_BIND& b = param_bind(stmt_, index);
  Param& p = param(stmt_, index);
  p.bytes.assign(value);
  p.length = static_cast<unsigned long>(p.bytes.size());
  p.is_null = 0;
  p.bound = true;
  b = MYSQL_BIND{};
  b.buffer_type = MYSQL_TYPE_STRING;
  b.buffer = p.bytes.data();
  b.buffer_length = p.length;
  b.length = &p.length;
  b.is_null = &p.is_null;
  return *this;
}

Query& Query::bind_bytes(int index, std::string_view value) {
  bind(index, value);
  // BLOB parameters carry the binary character set: compared and stored byte for byte.
  param_bind(stmt_, index).buffer_type = MYSQL_TYPE_BLOB;
  return *this;
}

Query& Query::bind(int index, std::chrono::year_month_day value) {
  const int year = static_cast<int>(value.year());
  if (!value.ok() || year < 1000 || year > 9999) {
    throw std::invalid_argument("mysql: date outside 1000-01-01..9999-12-31");
  }
  MYSQL_BIND& b = param_bind(stmt_, index);
  Param& p = param(stmt_, index);
  p.time = MYSQL_TIME{};
  p.time.year = static_cast<unsigned>(year);
  p.time.month = static_cast<unsigned>(value.month());
  p.time.day = static_cast<unsigned>(value.day());
  p.time.time_type = MYSQL_TIMESTAMP_DATE;
  p.is_null = 0;
  p.bound = true;
  b = MYSQL_BIND{};
  b.buffer_type = MYSQL_TYPE_DATE;
  b.buffer = &p.time;
  b.is_null = &p.is_null;
  return *this;
}

Query& Query::bind_null(int index) {
  MYSQL_BIND& b = param_bind(stmt_, index);
  Param& p = param(stmt_, index);
  p.is_null = 1;
  p.bound = true;
  b = MYSQL_BIND{};
  b.buffer_type = MYSQL_TYPE_NULL;
  b.is_null = &p.is_null;
  return *this;
}

void Query::execute() {
  if (executed_) throw std::logic_error("mysql: statement already executed");
  if (std::ranges::any_of(stmt_.params, [](const Param& p) { return !p.bound; })) {
    throw std::logic_error("mysql: not every parameter is bound");
  }
  MYSQL_STMT* h = stmt_.handle.get();
  if (!stmt_.params.empty() && mysql_stmt_bind_param(h, stmt_.param_binds.data()) != 0) {
    conn_.fail(h);
  }
  executed_ = true;
  ++conn_.calls_;
  if (mysql_stmt_execute(h) != 0) conn_.fail(h);
  if (stmt_.columns.empty()) {
    conn_.changes_ = static_cast<std::int64_t>(mysql_stmt_affected_rows(h));
    conn_.insert_id_ = static_cast<std::int64_t>(mysql_stmt_insert_id(h));
  } else if (mysql_stmt_store_result(h) != 0) {
    conn_.fail(h);
  }
}

bool Query::step() {
  if (!executed_) execute();
  if (stmt_.columns.empty()) return false;
  MYSQL_STMT* h = stmt_.handle.get();
  if (stmt_.rebind) {
    if (mysql_stmt_bind_result(h, stmt_.column_binds.data()) != 0) conn_.fail(h);
    stmt_.rebind = false;
  }
  const int code = mysql_stmt_fetch(h);
  if (code == MYSQL_NO_DATA) return false;
  if (code != 0 && code != MYSQL_DATA_TRUNCATED) conn_.fail(h);
  // A value longer than its buffer: grow the buffer and fetch that column again.
  for (std::size_t i = 0; i < stmt_.columns.size(); ++i) {
    Column& col = stmt_.columns[i];
    if (col.kind != Column::Kind::kBytes || col.is_null || col.length <= col.bytes.size()) {
      continue;
    }
    col.bytes.resize(col.length);
    MYSQL_BIND& b = stmt_.column_binds[i];
    b.buffer = col.bytes.data();
    b.buffer_length = static_cast<unsigned long>(col.bytes.size());
    if (mysql_stmt_fetch_column(h, &b, static_cast<unsigned>(i), 0) != 0) conn_.fail(h);
    stmt_.rebind = true;
  }
  return true;
}

void Query::run() {
  if (!executed_) execute();
}

std::size_t Query::checked(int column) const {
  if (column < 0 || static_cast<std::size_t>(column) >= stmt_.columns.size()) {
    throw std::logic_error("mysql: column index out of range");
  }
  return static_cast<std::size_t>(column);
}

bool Query::is_null(int column) const { return stmt_.columns[checked(column)].is_null != 0; }

std::int64_t Query::int64(int column) const {
  const Column& col = stmt_.columns[checked(column)];
  if (col.kind != Column::Kind::kInteger) throw std::logic_error("mysql: column is no integer");
  return col.is_null ? 0 : col.integer;
}

std::string Query::text(int column) const { return std::string(bytes(column)); }

std::string_view Query::bytes(int column) const {
  const Column& col = stmt_.columns[checked(column)];
  if (col.kind != Column::Kind::kBytes) throw std::logic_error("mysql: column is no string");
  if (col.is_null) return {};
  return {col.bytes.data(), std::min<std::size_t>(col.length, col.bytes.size())};
}

std::chrono::year_month_day Query::date(int column) const {
  const Column& col = stmt_.columns[checked(column)];
  if (col.kind != Column::Kind::kDate || col.is_null) {
    throw StoreCorrupt("mysql: a stored date is missing");
  }
  const std::chrono::year_month_day out{std::chrono::year(static_cast<int>(col.time.year)),
                                        std::chrono::month(col.time.month),
                                        std::chrono::day(col.time.day)};
  if (!out.ok()) throw StoreCorrupt("mysql: a stored date is malformed");
  return out;
}

// Connection

Connection::Connection(const Endpoint& endpoint, const Timeouts& timeouts,
                       std::chrono::seconds lock_wait) {
  init_library();
  conn_.reset(mysql_init(nullptr));
  if (!conn_) throw StoreUnavailable("mysql: out of memory");
  MYSQL* h = conn_.get();
  const auto seconds = [](std::chrono::seconds s) {
    return static_cast<unsigned>(std::max<std::chrono::seconds::rep>(s.count(), 1));
  };
  const unsigned connect_timeout = seconds(timeouts.connect);
  const unsigned read_timeout = seconds(timeouts.read);
  const unsigned write_timeout = seconds(timeouts.write);
  // TCP even for "localhost", which the client library would otherwise take as the
  // default unix socket.
  const unsigned protocol = MYSQL_PROTOCOL_TCP;
  const my_bool no = 0;
  mysql_options(h, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(h, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_options(h, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_options(h, MYSQL_OPT_PROTOCOL, &protocol);
  // A silent reconnect would lose the session settings, the prepared statements and the
  // open transaction: a lost connection is reported and the connection replaced instead.
  mysql_options(h, MYSQL_OPT_RECONNECT, &no);
  mysql_options(h, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (mysql_real_connect(h, endpoint.host.c_str(), endpoint.user.c_str(), endpoint.password.c_str(),
                         endpoint.database.c_str(), endpoint.port, nullptr,
                         CLIENT_FOUND_ROWS) == nullptr) {
    // The client's text names the host, user and database at most, never the password.
    throw StoreUnavailable("mysql: cannot connect: " + one_line(mysql_error(h)));
  }
  exec(queries::kSetSqlMode);
  exec(queries::kSetTimeZoneUtc);
  exec(queries::kSetReadCommitted);
  query(queries::kSetLockWaitTimeout).bind(1, static_cast<std::int64_t>(seconds(lock_wait))).run();
  // A client cut off by the network in the middle of a transaction sends neither FIN nor
  // RST: the server would keep the transaction, and its row locks (a user's row, the queue
  // counters), for as long as TCP takes to notice, hours, and every node would wait on
  // them. MariaDB ends a transaction idle for longer than the client would wait for an
  // answer itself. MySQL has no such setting.
  mariadb_ = std::string_view(mysql_get_server_info(h)).find("MariaDB") != std::string_view::npos;
  if (mariadb_) {
    query(queries::kSetIdleTransactionTimeout).bind(1, std::int64_t{read_timeout}).run();
  }
}

Connection::~Connection() {
  cache_.clear();  // statements before the connection they belong to
}

void Connection::throw_if_aborted() const {
  if (aborted_by_ != 0) {
    throw MysqlError(aborted_by_, "mysql: the transaction was rolled back (error " +
                                      std::to_string(aborted_by_) + ")");
  }
}

Query Connection::query(const Statement& statement) {
  throw_if_aborted();
  if (!batch_.empty()) send_batch(false);
  auto& cached = cache_[&statement];
  if (!cached) cached = prepare(statement.sql);
  return Query(*this, *cached);
}

void Connection::run_once(std::string_view sql, const std::function<void(Query&)>& use) {
  throw_if_aborted();
  if (!batch_.empty()) send_batch(false);
  const auto prepared = prepare(sql);
  Query query(*this, *prepared);
  use(query);
}

std::unique_ptr<Prepared> Connection::prepare(std::string_view sql) {
  auto stmt = std::make_unique<Prepared>();
  stmt->handle.reset(mysql_stmt_init(conn_.get()));
  if (!stmt->handle) fail();
  MYSQL_STMT* h = stmt->handle.get();
  ++calls_;
  if (mysql_stmt_prepare(h, sql.data(), static_cast<unsigned long>(sql.size())) != 0) fail(h);
  const auto params = mysql_stmt_param_count(h);
  stmt->params.resize(params);
  stmt->param_binds.resize(params);
  if (MYSQL_RES* meta = mysql_stmt_result_metadata(h)) {
    const auto n = mysql_num_fields(meta);
    const MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    stmt->columns.resize(n);
    stmt->column_binds.resize(n);
    for (unsigned i = 0; i < n; ++i) {
      Column& col = stmt->columns[i];
      col.kind = column_kind(fields[i].type);
      if (col.kind == Column::Kind::kBytes) col.bytes.resize(kInitialColumnBytes);
    }
    mysql_free_result(meta);
    bind_columns(*stmt);
    if (mysql_stmt_bind_result(h, stmt->column_binds.data()) != 0) fail(h);
  }
  return stmt;
}

void Connection::exec(std::string_view sql) {
  MYSQL* h = conn_.get();
  ++calls_;
  if (mysql_real_query(h, sql.data(), static_cast<unsigned long>(sql.size())) != 0) fail();
  if (MYSQL_RES* result = mysql_store_result(h)) {
    mysql_free_result(result);
  } else if (mysql_field_count(h) != 0) {
    fail();
  }
}

void Connection::begin_transaction() noexcept {
  aborted_by_ = 0;
  calls_ = 0;
  committing_ = false;
  batch_.clear();
}

BatchWrite Connection::defer(const Statement& statement, std::int64_t rows) {
  throw_if_aborted();
  return BatchWrite(batch_, statement, rows);
}

void Connection::commit() {
  committing_ = true;
  if (batch_.empty()) {
    exec(queries::kCommit);
  } else {
    send_batch(true);
  }
}

void Connection::send_batch(bool commit) {
  const Batch batch = std::exchange(batch_, Batch{});
  try {
    if (mariadb_) {
      exec(batch.compound(commit));
      return;
    }
    for (const auto& write : batch.writes()) {
      exec(write.sql);
      const auto rows = static_cast<std::int64_t>(mysql_affected_rows(conn_.get()));
      if (write.rows != sql::kAnyRows && rows != write.rows) throw sql::unexpected_rows();
    }
    if (commit) exec(queries::kCommit);
  } catch (const MysqlError& e) {
    if (e.code() == kErSignal) throw sql::unexpected_rows();
    throw;
  } catch (const DuplicateKey&) {
    throw LostRace("a deferred insert met a row another transaction inserted first");
  }
}

void Connection::fail(st_mysql_stmt* stmt) {
  MYSQL* h = conn_.get();
  unsigned code = stmt != nullptr ? mysql_stmt_errno(stmt) : mysql_errno(h);
  const char* message = stmt != nullptr ? mysql_stmt_error(stmt) : mysql_error(h);
  const char* sqlstate = stmt != nullptr ? mysql_stmt_sqlstate(stmt) : mysql_sqlstate(h);
  if (code == 0) code = CR_UNKNOWN_ERROR;
  const std::string number = " (error " + std::to_string(code) + ")";
  if (is_connection_lost(code) || code == kErUnknownCom) {
    broken_ = true;
    server_out_ = code == kErUnknownCom;
    throw StoreUnavailable(describe(code) + number);
  }
  if (is_unavailable(code)) throw StoreUnavailable(describe(code) + number);
  if (code == kErLockDeadlock || code == kErLockWaitTimeout) {
    aborted_by_ = code;
    throw MysqlError(code, code == kErLockDeadlock ? "mysql: deadlock" + number
                                                   : "mysql: lock wait timeout" + number);
  }
  // Any other client-side error leaves the connection in a state nobody can vouch for.
  if ((code >= CR_MIN_ERROR && code <= CR_MAX_ERROR) || (code >= 5000 && code <= 5999)) {
    broken_ = true;
  }
  if (code == kErDupEntry) throw DuplicateKey(duplicate_key(message));
  if (code == kErNoReferencedRow) throw MissingReference();
  throw MysqlError(code, "mysql: error " + std::to_string(code) + " (SQLSTATE " +
                             std::string(sqlstate != nullptr ? sqlstate : "?") + ")");
}

}  // namespace concertd::store::mysql
