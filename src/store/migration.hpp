#pragma once

#include <span>
#include <string_view>

namespace concertd::store {

// One schema step, applied once and recorded in schema_migrations. Never edited
// once merged: a change is a new, higher-numbered file.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

}  // namespace concertd::store

namespace concertd::store::sqlite {
using store::Migration;
// The embedded files of src/store/sqlite/migrations, in version order.
std::span<const Migration> migrations();
}  // namespace concertd::store::sqlite

namespace concertd::store::mysql {
using store::Migration;
// The embedded files of src/store/mysql/migrations, in version order.
std::span<const Migration> migrations();
}  // namespace concertd::store::mysql
