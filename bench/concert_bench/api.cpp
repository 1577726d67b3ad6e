#include "api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <stdexcept>

#include "fans.hpp"

namespace concertd::bench {
namespace {

namespace json = boost::json;
namespace http = beast::http;

constexpr std::string_view kConcertDate = "2099-12-31";

std::optional<json::value> parse(std::string_view body) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec) return std::nullopt;
  return value;
}

}  // namespace

void throw_unexpected(std::string_view what, const Response& response) {
  constexpr std::size_t kShown = 300;
  std::string body = response.body().substr(0, kShown);
  throw std::runtime_error(std::string(what) + ": HTTP " + std::to_string(response.result_int()) +
                           " " + body);
}

std::optional<std::string> json_string(std::string_view body, std::string_view field) {
  const auto value = parse(body);
  const auto* item = value && value->is_object() ? value->as_object().if_contains(field) : nullptr;
  if (item == nullptr || !item->is_string()) return std::nullopt;
  return std::string(item->as_string());
}

std::optional<std::int64_t> json_int(std::string_view body, std::string_view field) {
  const auto value = parse(body);
  const auto* item = value && value->is_object() ? value->as_object().if_contains(field) : nullptr;
  if (item == nullptr || !item->is_int64()) return std::nullopt;
  return item->as_int64();
}

std::optional<std::vector<SeatView>> parse_seat_map(std::string_view body) {
  const auto value = parse(body);
  if (!value || !value->is_array()) return std::nullopt;
  std::vector<SeatView> seats;
  seats.reserve(value->as_array().size());
  for (const auto& item : value->as_array()) {
    const auto* seat = item.if_object();
    if (seat == nullptr) return std::nullopt;
    const auto* number = seat->if_contains("seatNumber");
    const auto* available = seat->if_contains("available");
    const auto* price = seat->if_contains("price");
    if (number == nullptr || !number->is_int64() || available == nullptr || !available->is_bool() ||
        price == nullptr || !price->is_int64()) {
      return std::nullopt;
    }
    seats.push_back({number->as_int64(), available->as_bool(), price->as_int64()});
  }
  return seats;
}

Api::Api(const net::ip::tcp::endpoint& endpoint, std::string host)
    : client_(endpoint, std::move(host)) {}

Response Api::get(const std::string& target, std::string_view bearer) {
  return client_.send(http::verb::get, target, bearer);
}

std::optional<std::string> Api::find_concert(std::int64_t seats, bool unsold) {
  const auto response = get(std::string(kApi) + "/concerts");
  const auto list = parse(response.body());
  if (response.result() != http::status::ok || !list || !list->is_array()) {
    throw_unexpected("GET /concerts", response);
  }
  const std::string name = concert_name(seats);
  for (const auto& item : list->as_array()) {
    const auto* concert = item.if_object();
    if (concert == nullptr) continue;
    const auto* concert_name_field = concert->if_contains("concertName");
    const auto* id = concert->if_contains("concertId");
    const auto* available = concert->if_contains("availableSeats");
    if (concert_name_field == nullptr || !concert_name_field->is_string() ||
        concert_name_field->as_string() != name || id == nullptr || !id->is_string()) {
      continue;
    }
    if (unsold &&
        (available == nullptr || !available->is_int64() || available->as_int64() != seats)) {
      continue;
    }
    return std::string(id->as_string());
  }
  return std::nullopt;
}

std::string Api::create_concert(std::int64_t seats, std::int64_t price,
                                const std::string& admin_key) {
  const json::object body{{"concertName", concert_name(seats)},
                          {"date", kConcertDate},
                          {"seatCount", seats},
                          {"price", price}};
  const auto request =
      make_request(http::verb::post, std::string(kApi) + "/admin/concerts", client_.host(), {},
                   json::serialize(body), {{"X-Admin-Key", admin_key}});
  const auto response = client_.send(request);
  auto id = json_string(response.body(), "concertId");
  if (response.result() != http::status::created || !id) {
    throw_unexpected("POST /admin/concerts", response);
  }
  return *id;
}

std::string Api::concert(std::int64_t seats, bool unsold, std::int64_t price,
                         const std::optional<std::string>& admin_key) {
  if (auto found = find_concert(seats, unsold)) return *found;
  if (!admin_key) {
    throw std::runtime_error("no concert \"" + concert_name(seats) + "\"" +
                             (unsold ? " with every seat free" : "") +
                             ": seed one (seed --concert-seats) or give --admin-key");
  }
  return create_concert(seats, price, *admin_key);
}

std::vector<SeatView> Api::seat_map(const std::string& concert) {
  const auto response = get(std::string(kApi) + "/concerts/" + concert + "/seats");
  auto seats = parse_seat_map(response.body());
  if (response.result() != http::status::ok || !seats)
    throw_unexpected("GET /concerts/{id}/seats", response);
  return std::move(*seats);
}

}  // namespace concertd::bench
