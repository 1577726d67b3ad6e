#pragma once

// Network namespaces joined by veth pairs, so that test servers talk to each other over a
// real network hop: their own network stacks, interfaces and routes, with 1 ms of netem
// delay added each way where the kernel has sch_netem. Needs root (CAP_NET_ADMIN) and
// iproute2. Everything it makes is deleted by the destructor, also when a test fails;
// names hold the test process's pid, so that concurrent tests do not clash.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace concertd::test {

class NetLab final {
 public:
  // This machine cannot make network namespaces (not root, no iproute2): tests skip.
  class Unavailable final : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
  };

  // A veth pair: device `a_dev` in namespace `a_ns`, `b_dev` in `b_ns` ("" is the root
  // namespace), each end with an address of its own /30.
  struct Link {
    std::string a_ns, a_dev, a_addr;
    std::string b_ns, b_dev, b_addr;
  };

  // Picks a 10.x.y.0/24 that no address or route of this machine uses. Makes nothing yet.
  NetLab();
  ~NetLab();
  NetLab(const NetLab&) = delete;
  NetLab& operator=(const NetLab&) = delete;

  // A new namespace with its loopback up; returns its name. Throws Unavailable when the
  // first one cannot be made, std::runtime_error on any other failure (as every call here).
  std::string add_namespace(std::string_view role);
  // A veth pair between `a_ns` and `b_ns` ("" = the root namespace): addressed, up, and
  // delayed 1 ms at both ends when netem is there.
  Link connect(const std::string& a_ns, const std::string& b_ns);
  // A new /32 of this lab's range on the loopback of `ns`: an address reached by routes.
  std::string add_loopback_address(const std::string& ns);
  // In `ns` ("" = root): the route to `to`/32 goes via `via`.
  void add_route(const std::string& ns, const std::string& to, const std::string& via);
  // `ip link set DEV up|down` in `ns`.
  void set_link(const std::string& ns, const std::string& dev, bool up);

  // The command prefix that runs a program inside `ns` ({"ip", "netns", "exec", ns}; ip
  // execs the program, so its pid is the program's).
  [[nodiscard]] std::vector<std::string> exec_in(const std::string& ns) const;
  // Empty when the links have the 1 ms netem delay, otherwise why they have none.
  [[nodiscard]] const std::string& undelayed_because() const noexcept { return no_delay_; }

 private:
  // Runs `ip args...` (or tc); throws std::runtime_error with its stderr when it fails.
  static void run(std::vector<std::string> argv);
  void delay(const std::string& ns, const std::string& dev);

  std::string name_;    // "cd<pid>": namespace and device names start with it
  std::string prefix_;  // "10.x.y."
  int links_ = 0;
  int loopback_hosts_ = 0;
  std::vector<std::string> namespaces_;
  std::vector<std::string> root_devices_;  // veth ends in the root namespace
  std::string no_delay_;
};

}  // namespace concertd::test
