#include "store/mysql/url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace concertd::store::mysql {
namespace {

std::nullopt_t fail(std::string* why, std::string reason) {
  if (why != nullptr) *why = std::move(reason);
  return std::nullopt;
}

// A database name MySQL accepts unquoted-or-quoted alike and that is safe in messages.
bool valid_database(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '$' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string Endpoint::redacted() const { return mysql::redacted({*this}); }

std::string redacted(const std::vector<Endpoint>& servers) {
  std::string out = "mysql://" + (servers.empty() ? "" : servers.front().user) + "@";
  for (const auto& server : servers) {
    const bool v6 = server.host.find(':') != std::string::npos;
    if (&server != &servers.front()) out += ',';
    out += (v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port);
  }
  return out + "/" + (servers.empty() ? "" : servers.front().database);
}

namespace {

// One server: mysql://USER:PASS@HOST[:PORT]/DB.
std::optional<Endpoint> parse_one(std::string_view url, std::string* why) {
  constexpr std::string_view kShape = "expected mysql://USER:PASS@HOST:PORT/DB";
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail(why, std::string(kShape));
  const boost::urls::url_view& u = *parsed;
  if (u.scheme() != "mysql") return fail(why, std::string(kShape));
  if (!u.has_authority() || !u.has_userinfo()) {
    return fail(why, "missing USER:PASS@ (" + std::string(kShape) + ")");
  }
  if (u.has_query() || u.has_fragment()) return fail(why, "no ?query or #fragment allowed");

  Endpoint out;
  out.user = u.user();
  out.password = u.password();
  if (out.user.empty()) return fail(why, "missing USER");
  switch (u.host_type()) {
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4:
      out.host = u.host();  // decoded
      break;
    case boost::urls::host_type::ipv6:
      out.host = u.host_address();  // without brackets
      break;
    default:
      return fail(why, "unsupported HOST");
  }
  if (out.host.empty()) return fail(why, "missing HOST");
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0) return fail(why, "PORT must be 1..65535");
    // port_number() is 0 for values that do not fit 16 bits; also reject leading junk.
    out.port = u.port_number();
    if (std::to_string(out.port) != u.port()) return fail(why, "PORT must be 1..65535");
  }
  std::string path = u.path();  // decoded
  if (path.size() < 2 || path.front() != '/') return fail(why, "missing /DB");
  out.database = path.substr(1);
  if (!valid_database(out.database)) {
    return fail(why, "DB must be 1-64 characters of letters, digits, '_', '$', '-'");
  }
  return out;
}

}  // namespace

std::optional<std::vector<Endpoint>> parse_url(std::string_view url, std::string* why) {
  // The servers are the authority's host list: after the last '@' before the path. Each
  // is parsed as the URL of that server alone, so that every rule above holds for each.
  const auto scheme_end = url.find("://");
  const auto path = url.find('/', scheme_end == std::string_view::npos ? 0 : scheme_end + 3);
  const auto at = url.substr(0, path).rfind('@');
  std::vector<std::string_view> hosts;
  if (scheme_end == std::string_view::npos || path == std::string_view::npos ||
      at == std::string_view::npos || at < scheme_end) {
    hosts.push_back({});  // parse_one says what is missing
  } else {
    for (auto list = url.substr(at + 1, path - at - 1);;) {
      const auto comma = list.find(',');
      hosts.push_back(list.substr(0, comma));
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  if (hosts.size() > kMaxServers) {
    return fail(why, "at most " + std::to_string(kMaxServers) + " servers");
  }
  std::vector<Endpoint> out;
  for (const auto host : hosts) {
    if (hosts.size() > 1 && host.empty()) return fail(why, "an empty HOST in the list");
    const auto one = hosts.size() == 1
                         ? parse_one(url, why)
                         : parse_one(std::string(url.substr(0, at + 1)) + std::string(host) +
                                         std::string(url.substr(path)),
                                     why);
    if (!one) return std::nullopt;
    out.push_back(*one);
  }
  return out;
}

}  // namespace concertd::store::mysql
