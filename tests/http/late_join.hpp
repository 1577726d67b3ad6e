#pragma once

#include <vector>

#include "http/support.hpp"

namespace concertd::test {

// Contract §4.5 with a join that commits late. The test makes that join by hand, as a node in
// the middle of one would: a transaction that has inserted the entry (so taken its number)
// and has not committed. Meanwhile later fans join through every node in `nodes` (on SQLite
// they wait for the held write lock; on MariaDB they commit, numbered after it) and
// admission rounds run: nobody may be admitted. Then the join commits (`commits`) or rolls
// back, and everyone is admitted, the late one included; the audit finds nothing broken.
void late_join_keeps_its_place(const std::vector<Endpoint>& nodes, const DatabaseUrl& database,
                               bool commits);

}  // namespace concertd::test
