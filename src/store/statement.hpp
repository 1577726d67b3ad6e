#pragma once

#include <string_view>

namespace concertd::store {

// One statement of a store's SQL catalogue (queries.hpp, audit.hpp), defined `inline
// constexpr` at namespace scope. A connection caches what it prepared from a Statement
// under the Statement's address, which an object of static storage keeps for the life of
// the process (so Connection::query refuses temporaries). SQL made at run time is not a
// Statement: Connection::run_once prepares, runs and finalizes it in one call.
struct Statement {
  std::string_view sql;
};

}  // namespace concertd::store
