#pragma once

// Three concertd nodes and nginx on one MariaDB database. The tests are member functions,
// so that the same bodies run with everything on 127.0.0.1 (cluster_test.cpp) and with
// every node and the database in a network namespace of its own (cluster_netns_test.cpp).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/support.hpp"

namespace concertd::test {

class Cluster : public ::testing::Test {
 public:
  static constexpr std::size_t kNodes = 3;

 protected:
  // Skips without MariaDB or nginx; a fresh database on the shared test server.
  void SetUp() override;
  // Stops nginx and the nodes and drops the database, before a subclass's members (its
  // database server, its network) go away.
  void TearDown() override;

  // Node 0 starts alone and takes the admitter lease before the others start, so that
  // the test knows which node admits. Node i runs with placed(options, i).
  void start(ServerOptions options);
  // Where node i runs and which database URL it uses: as given, by default.
  [[nodiscard]] virtual ServerOptions placed(ServerOptions options, std::size_t node) const;

  // (a) racers on every entry point at once; (b) FIFO admission across nodes; (c) the
  // admitter killed under load and its lease taken over. §4 invariants checked after each.
  void race_through_nginx_and_nodes();
  void admit_in_queue_order_across_nodes();
  void kill_admitter_under_load();

  [[nodiscard]] static std::string leader(Db& db);
  [[nodiscard]] DatabaseUrl database() const { return {database_->url()}; }
  [[nodiscard]] Endpoint node(std::size_t i) const { return nodes_.at(i)->endpoint(); }
  [[nodiscard]] Endpoint lb() const { return nginx_->port(); }
  // Entry points in turn: nginx, node 0, node 1, node 2.
  [[nodiscard]] Endpoint entry(std::size_t i) const {
    return i % (kNodes + 1) == 0 ? lb() : node(i % (kNodes + 1) - 1);
  }

  std::optional<TestDatabase> database_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
  std::optional<NginxProcess> nginx_;
  std::string first_leader_;
};

}  // namespace concertd::test
