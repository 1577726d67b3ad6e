#include "database.hpp"

#include <stdexcept>

#include "store/sqlite/queries.hpp"
#ifdef CONCERTD_WITH_MYSQL
#include "store/mysql/queries.hpp"
#include "store/mysql/url.hpp"
#endif

namespace concertd::bench {
namespace {

constexpr store::Statement kMigrated{"SELECT COUNT(*) FROM schema_migrations"};
constexpr auto kBusyTimeout = std::chrono::seconds(30);
constexpr store::Statement kNoForeignKeyChecks{"SET SESSION foreign_key_checks = 0"};
constexpr store::Statement kNoUniqueChecks{"SET SESSION unique_checks = 0"};

void begin_on(store::sqlite::Connection& conn) {
  conn.exec(store::sqlite::queries::kBeginImmediate);
}
void commit_on(store::sqlite::Connection& conn) { conn.exec(store::sqlite::queries::kCommit); }
#ifdef CONCERTD_WITH_MYSQL
// The bench's connection keeps autocommit on (it is not a store Session): a bulk load
// begins its transaction itself.
constexpr store::Statement kStartTransaction{"START TRANSACTION"};
void begin_on(store::mysql::Connection& conn) { conn.exec(kStartTransaction); }
void commit_on(store::mysql::Connection& conn) { conn.exec(store::mysql::queries::kCommit); }
#endif

}  // namespace

SqlDatabase::SqlDatabase(const std::string& url) {
  try {
    if (url.starts_with("mysql://")) {
#ifdef CONCERTD_WITH_MYSQL
      std::string why;
      const auto servers = store::mysql::parse_url(url, &why);
      if (!servers) throw std::runtime_error(why);
      // Long timeouts: seeding a million rows and checking them take a while. The first
      // server of a list: seeding and checks run where the cluster's data is.
      conn_ = std::make_unique<store::mysql::Connection>(
          servers->front(),
          store::mysql::Timeouts{.read = std::chrono::seconds(600),
                                 .write = std::chrono::seconds(600)},
          std::chrono::seconds(60));
#else
      throw std::runtime_error("this build has no MySQL support");
#endif
    } else {
      conn_ = std::make_unique<store::sqlite::Connection>(
          url.substr(std::string_view("sqlite:").size()), store::sqlite::Connection::Role::kWriter,
          kBusyTimeout);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot open the database: ") + e.what());
  }
  try {
    if (scalar(kMigrated) == 0) throw std::runtime_error("no migration applied");
  } catch (const std::exception&) {
    throw std::runtime_error(
        "the database has no concertd schema: start concertd on it once first");
  }
}

SqlDatabase::~SqlDatabase() = default;

bool SqlDatabase::is_mysql() const noexcept { return conn_.index() == 1; }

std::optional<ServerCounters> SqlDatabase::server_counters() {
#ifdef CONCERTD_WITH_MYSQL
  static constexpr store::Statement kGlobalStatus{
      "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
      " WHERE VARIABLE_NAME IN ('QUESTIONS', 'COM_STMT_PREPARE', 'COM_COMMIT', 'COM_SELECT',"
      " 'COM_INSERT', 'COM_INSERT_SELECT', 'COM_UPDATE', 'COM_UPDATE_MULTI', 'COM_DELETE',"
      " 'COM_DELETE_MULTI', 'COM_REPLACE', 'COM_SET_OPTION')"};
  if (auto* conn = std::get_if<std::unique_ptr<store::mysql::Connection>>(&conn_)) {
    ServerCounters counters;
    auto rows = (*conn)->query(kGlobalStatus);
    while (rows.step()) {
      const auto name = rows.text(0);
      const std::int64_t value = std::stoll(rows.text(1));
      if (name == "QUESTIONS" || name == "COM_STMT_PREPARE") {
        counters.round_trips += value;
      } else if (name == "COM_COMMIT") {
        counters.commits = value;
      } else {
        counters.statements += value;
      }
    }
    return counters;
  }
#endif
  return std::nullopt;
}

void SqlDatabase::begin() {
  visit([](auto& conn) { begin_on(conn); });
}

void SqlDatabase::commit() {
  visit([](auto& conn) { commit_on(conn); });
}

void SqlDatabase::prepare_bulk_load() {
#ifdef CONCERTD_WITH_MYSQL
  if (auto* conn = std::get_if<std::unique_ptr<store::mysql::Connection>>(&conn_)) {
    (*conn)->exec(kNoForeignKeyChecks);
    (*conn)->exec(kNoUniqueChecks);
  }
#endif
}

std::string multi_row(std::string_view insert, std::string_view row, std::size_t rows) {
  std::string sql(insert);
  sql.reserve(insert.size() + rows * (row.size() + 1));
  for (std::size_t i = 0; i < rows; ++i) {
    if (i > 0) sql += ',';
    sql += row;
  }
  return sql;
}

}  // namespace concertd::bench
