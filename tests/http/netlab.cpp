#include "http/netlab.hpp"

#include <unistd.h>

#include <iostream>
#include <tuple>

#include "http/support.hpp"

namespace concertd::test {
namespace {

// Link k uses 10.x.y.(4k+1)/30 and (4k+2)/30; loopback addresses count down from .254.
constexpr int kMaxLinks = 48;

// `ip ...` or `tc ...` run on namespace `ns` ("" = root): `ip -n NS ...`.
std::vector<std::string> in_namespace(const std::string& ns, std::vector<std::string> argv) {
  if (!ns.empty()) argv.insert(argv.begin() + 1, {"-n", ns});
  return argv;
}

}  // namespace

NetLab::NetLab() : name_("cd" + std::to_string(::getpid())) {
  if (program_path("ip").empty()) throw Unavailable("iproute2 (ip) is not installed");
  const auto used = run_program({"ip", "-4", "-o", "addr", "show"}).out +
                    run_program({"ip", "-4", "route", "show", "table", "all"}).out;
  const auto pid = static_cast<unsigned>(::getpid());
  for (unsigned i = 0; i < 64 && prefix_.empty(); ++i) {
    const auto candidate = "10." + std::to_string(64 + ((pid >> 8) + i) % 128) + "." +
                           std::to_string((pid + i) % 256) + ".";
    if (used.find(candidate) == std::string::npos) prefix_ = candidate;
  }
  if (prefix_.empty()) throw std::runtime_error("no free 10.x.y.0/24 for the network namespaces");
}

NetLab::~NetLab() {
  // Deleting one end of a veth pair deletes both; a namespace takes its devices along.
  for (const auto& dev : root_devices_) {
    const auto r = run_program({"ip", "link", "del", dev});
    if (r.exit_code != 0) std::cerr << "ip link del " << dev << ": " << r.err;
  }
  for (const auto& ns : namespaces_) {
    const auto r = run_program({"ip", "netns", "del", ns});
    if (r.exit_code != 0) std::cerr << "ip netns del " << ns << ": " << r.err;
  }
}

void NetLab::run(std::vector<std::string> argv) {
  std::string shown;
  for (const auto& a : argv) shown += a + " ";
  const auto r = run_program(std::move(argv), 10s);
  if (r.exit_code != 0) {
    throw std::runtime_error(shown + "failed (" + std::to_string(r.exit_code) + "): " + r.err);
  }
}

std::string NetLab::add_namespace(std::string_view role) {
  const auto ns = name_ + "-" + std::string(role);
  const auto r = run_program({"ip", "netns", "add", ns});
  if (r.exit_code != 0) {
    const auto why = "ip netns add " + ns + " failed: " + r.err;
    if (namespaces_.empty()) throw Unavailable(why + " (network namespaces need root)");
    throw std::runtime_error(why);
  }
  namespaces_.push_back(ns);
  run({"ip", "-n", ns, "link", "set", "lo", "up"});
  return ns;
}

NetLab::Link NetLab::connect(const std::string& a_ns, const std::string& b_ns) {
  if (links_ >= kMaxLinks) throw std::runtime_error("too many links in one NetLab");
  const int k = links_++;
  Link link{a_ns, name_ + "l" + std::to_string(k) + "a", prefix_ + std::to_string(4 * k + 1),
            b_ns, name_ + "l" + std::to_string(k) + "b", prefix_ + std::to_string(4 * k + 2)};
  std::vector<std::string> add = {"ip", "link", "add", link.a_dev};
  if (!a_ns.empty()) add.insert(add.end(), {"netns", a_ns});
  add.insert(add.end(), {"type", "veth", "peer", "name", link.b_dev});
  if (!b_ns.empty()) add.insert(add.end(), {"netns", b_ns});
  run(add);
  if (a_ns.empty()) root_devices_.push_back(link.a_dev);
  if (b_ns.empty()) root_devices_.push_back(link.b_dev);
  for (const auto& [ns, dev, addr] :
       {std::tuple{a_ns, link.a_dev, link.a_addr}, std::tuple{b_ns, link.b_dev, link.b_addr}}) {
    run(in_namespace(ns, {"ip", "addr", "add", addr + "/30", "dev", dev}));
    delay(ns, dev);
    set_link(ns, dev, true);
  }
  return link;
}

// 1 ms on the way out of each end is 1 ms each way. Without sch_netem (a kernel built
// without it, as some CI machines are) the links stay undelayed: still a real hop.
void NetLab::delay(const std::string& ns, const std::string& dev) {
  if (!no_delay_.empty()) return;
  const auto r = run_program(
      in_namespace(ns, {"tc", "qdisc", "add", "dev", dev, "root", "netem", "delay", "1ms"}));
  if (r.exit_code != 0) no_delay_ = "tc qdisc add ... netem delay 1ms failed: " + r.err;
}

std::string NetLab::add_loopback_address(const std::string& ns) {
  const auto addr = prefix_ + std::to_string(254 - loopback_hosts_++);
  run(in_namespace(ns, {"ip", "addr", "add", addr + "/32", "dev", "lo"}));
  return addr;
}

void NetLab::add_route(const std::string& ns, const std::string& to, const std::string& via) {
  run(in_namespace(ns, {"ip", "route", "add", to + "/32", "via", via}));
}

void NetLab::set_link(const std::string& ns, const std::string& dev, bool up) {
  run(in_namespace(ns, {"ip", "link", "set", "dev", dev, up ? "up" : "down"}));
}

std::vector<std::string> NetLab::exec_in(const std::string& ns) const {
  return {"ip", "netns", "exec", ns};
}

}  // namespace concertd::test
