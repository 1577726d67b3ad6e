#include "http/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdio>
#include <limits>

#include "common/clock.hpp"
#include "concerts/concert_service.hpp"

namespace concertd::http {
namespace {

namespace json = boost::json;

Error field_error(std::string_view field, std::string_view problem) {
  std::string detail = "field \"";
  detail.append(field).append("\" ").append(problem);
  return make_error(Errc::kInvalidArgument, std::move(detail));
}

// The field's value; nullptr when absent or null.
const json::value* find(const json::object& object, std::string_view field) {
  const json::value* value = object.if_contains(field);
  return value == nullptr || value->is_null() ? nullptr : value;
}

Result<const json::value*> require(const json::object& object, std::string_view field) {
  const json::value* value = find(object, field);
  if (value == nullptr) return field_error(field, "is required");
  return value;
}

// A JSON integer (no fraction or exponent in the text) that fits in int64.
std::optional<std::int64_t> as_int64(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  return std::nullopt;  // Boost.JSON uses uint64 only above INT64_MAX, double for 1.0 or 1e3
}

}  // namespace

Result<json::object> parse_object(std::string_view body) {
  if (body.empty()) return make_error(Errc::kInvalidArgument, "request body must be a JSON object");
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) return make_error(Errc::kInvalidArgument, "request body is not valid JSON");
  if (!value.is_object()) {
    return make_error(Errc::kInvalidArgument, "request body must be a JSON object");
  }
  return std::move(value.get_object());
}

Result<std::string_view> require_string(const json::object& object, std::string_view field) {
  auto value = require(object, field);
  if (!value) return value.error();
  if (!(*value)->is_string()) return field_error(field, "must be a string");
  return std::string_view((*value)->get_string());
}

Result<std::optional<std::string_view>> optional_string(const json::object& object,
                                                        std::string_view field) {
  const json::value* value = find(object, field);
  if (value == nullptr) return std::optional<std::string_view>();
  if (!value->is_string()) return field_error(field, "must be a string");
  return std::optional<std::string_view>(std::string_view(value->get_string()));
}

namespace {

Result<std::optional<bool>> optional_bool(const json::object& object, std::string_view field) {
  const json::value* value = find(object, field);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_bool()) return field_error(field, "must be true or false");
  return std::optional<bool>(value->get_bool());
}

Result<std::optional<std::int64_t>> optional_int64(const json::object& object,
                                                   std::string_view field) {
  const json::value* value = find(object, field);
  if (value == nullptr) return std::optional<std::int64_t>();
  auto number = as_int64(*value);
  if (!number) return field_error(field, "must be an integer");
  return number;
}

}  // namespace

Result<std::int64_t> require_int64(const json::object& object, std::string_view field) {
  auto value = require(object, field);
  if (!value) return value.error();
  auto number = as_int64(**value);
  if (!number) return field_error(field, "must be an integer");
  return *number;
}

Result<std::int32_t> require_int32(const json::object& object, std::string_view field) {
  auto number = require_int64(object, field);
  if (!number) return number.error();
  if (*number < std::numeric_limits<std::int32_t>::min() ||
      *number > std::numeric_limits<std::int32_t>::max()) {
    return field_error(field, "must be a 32-bit integer");
  }
  return static_cast<std::int32_t>(*number);
}

Result<Won> require_amount(const json::object& object, std::string_view field) {
  auto value = require(object, field);
  if (!value) return value.error();
  auto number = as_int64(**value);
  if (!number) {
    std::string detail = "field \"";
    detail.append(field).append("\" must be a JSON integer number of won");
    return make_error(Errc::kInvalidAmount, std::move(detail));
  }
  return Won(*number);
}

Result<Uuid> require_uuid(const json::object& object, std::string_view field) {
  auto text = require_string(object, field);
  if (!text) return text.error();
  auto uuid = Uuid::parse(*text);
  if (!uuid) return field_error(field, "must be a UUID");
  return *uuid;
}

Result<std::optional<Uuid>> optional_uuid(const json::object& object, std::string_view field) {
  auto text = optional_string(object, field);
  if (!text) return text.error();
  if (!*text) return std::optional<Uuid>();
  auto uuid = Uuid::parse(**text);
  if (!uuid) return field_error(field, "must be a UUID");
  return uuid;
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](std::size_t from, std::size_t length) -> std::optional<int> {
    int out = 0;
    const char* first = text.data() + from;
    const char* last = first + length;
    for (const char* p = first; p != last; ++p) {
      if (*p < '0' || *p > '9') return std::nullopt;
    }
    std::from_chars(first, last, out);
    return out;
  };
  const auto year = number(0, 4);
  const auto month = number(5, 2);
  const auto day = number(8, 2);
  // Both stores keep dates from 1000-01-01 (MariaDB's DATE starts there).
  if (!year || !month || !day || *year < 1000) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string format_date(std::chrono::year_month_day date) {
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return out;
}

Result<Credentials> credentials_from_json(const json::object& object) {
  auto username = require_string(object, "username");
  if (!username) return username.error();
  auto password = require_string(object, "password");
  if (!password) return password.error();
  return Credentials{std::string(*username), std::string(*password)};
}

Result<QueueJoinRequest> queue_join_from_json(const json::object& object) {
  auto user = require_id<UserTag>(object, "userId");
  if (!user) return user.error();
  auto challenge = optional_string(object, "powChallenge");
  if (!challenge) return challenge.error();
  auto nonce = optional_string(object, "powNonce");
  if (!nonce) return nonce.error();
  if (*nonce && !tokens::JoinPow::well_formed_nonce(**nonce)) {
    return make_error(Errc::kInvalidArgument, "powNonce must be 1 to " +
                                                  std::to_string(tokens::JoinPow::kMaxNonce) +
                                                  " characters of [A-Za-z0-9_-]");
  }
  return QueueJoinRequest{*user, std::string(challenge->value_or("")),
                          std::string(nonce->value_or(""))};
}

Result<HoldRequest> hold_from_json(const json::object& object) {
  auto concert = require_id<ConcertTag>(object, "concertId");
  if (!concert) return concert.error();
  auto seat = require_int32(object, "seatNumber");
  if (!seat) return seat.error();
  return HoldRequest{*concert, *seat};
}

Result<ChargeRequest> charge_from_json(const json::object& object) {
  auto user = optional_uuid(object, "userId");
  if (!user) return user.error();
  auto amount = require_amount(object, "amount");
  if (!amount) return amount.error();
  ChargeRequest out{std::nullopt, *amount};
  if (*user) out.user = UserId(**user);
  return out;
}

Result<PaymentRequest> payment_from_json(const json::object& object) {
  auto reservation = require_id<ReservationTag>(object, "reservationId");
  if (!reservation) return reservation.error();
  auto amount = require_amount(object, "amount");
  if (!amount) return amount.error();
  return PaymentRequest{*reservation, *amount};
}

namespace {

Result<std::vector<concerts::SeatSpec>> seats_from_json(const json::value& value) {
  if (!value.is_array()) return field_error("seats", "must be an array");
  const json::array& array = value.get_array();
  if (array.size() > concerts::ConcertService::kMaxSeats) {
    return field_error("seats", "has too many seats");
  }
  std::vector<concerts::SeatSpec> seats;
  seats.reserve(array.size());
  for (const json::value& element : array) {
    if (!element.is_object()) return field_error("seats", "must hold objects");
    auto number = require_int32(element.get_object(), "seatNumber");
    if (!number) return number.error();
    auto price = require_int64(element.get_object(), "price");
    if (!price) return price.error();
    seats.push_back(concerts::SeatSpec{*number, Won(*price)});
  }
  return seats;
}

Result<std::vector<concerts::SeatSpec>> numbered_seats_from_json(const json::object& object) {
  auto count = require_int64(object, "seatCount");
  if (!count) return count.error();
  if (*count < 1 || *count > static_cast<std::int64_t>(concerts::ConcertService::kMaxSeats)) {
    return field_error("seatCount", "must be from 1 to 100000");
  }
  auto price = require_int64(object, "price");
  if (!price) return price.error();
  std::vector<concerts::SeatSpec> seats;
  seats.reserve(static_cast<std::size_t>(*count));
  for (std::int32_t number = 1; number <= *count; ++number) {
    seats.push_back(concerts::SeatSpec{number, Won(*price)});
  }
  return seats;
}

}  // namespace

Result<queue::QueueService::AdmissionChange> admission_change_from_json(
    const json::object& object) {
  auto paused = optional_bool(object, "paused");
  if (!paused) return paused.error();
  auto rate = optional_int64(object, "admitRate");
  if (!rate) return rate.error();
  auto most = optional_int64(object, "maxActive");
  if (!most) return most.error();
  return queue::QueueService::AdmissionChange{
      .paused = *paused, .admit_rate = *rate, .max_active = *most};
}

Result<NewConcert> new_concert_from_json(const json::object& object) {
  auto name = require_string(object, "concertName");
  if (!name) return name.error();
  auto date_text = require_string(object, "date");
  if (!date_text) return date_text.error();
  auto date = parse_date(*date_text);
  if (!date) {
    return field_error("date",
                       "must be a calendar date in YYYY-MM-DD form, 1000-01-01 to 9999-12-31");
  }
  const json::value* listed = find(object, "seats");
  if (listed != nullptr && find(object, "seatCount") != nullptr) {
    return make_error(Errc::kInvalidArgument, "give either \"seats\" or \"seatCount\", not both");
  }
  auto seats = listed != nullptr ? seats_from_json(*listed) : numbered_seats_from_json(object);
  if (!seats) return seats.error();
  return NewConcert{std::string(*name), *date, std::move(*seats)};
}

std::string user_json(const users::User& user) {
  return json::serialize(
      json::object{{"userId", user.id.to_string()}, {"username", user.username}});
}

std::string login_json(UserId user, std::string_view access_token,
                       std::chrono::seconds expires_in) {
  return json::serialize(json::object{{"accessToken", access_token},
                                      {"userId", user.to_string()},
                                      {"expiresIn", expires_in.count()}});
}

std::string pow_challenge_json(const tokens::PowChallenge& challenge, unsigned bits) {
  return json::serialize(json::object{{"challenge", challenge.text},
                                      {"bits", bits},
                                      {"expiresAt", format_rfc3339(challenge.expires_at)}});
}

namespace {

void append_number(std::string& out, std::int64_t n) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
}

}  // namespace

std::string queue_view_json(const queue::QueueView& view, std::int64_t refresh_after_tenths) {
  // Constants and numbers only: nothing to escape, one allocation.
  std::string out;
  out.reserve(160);
  out.append(R"({"status":")").append(to_string(view.status)).append(R"(","queuePosition":)");
  append_number(out, view.position);
  out.append(R"(,"remainingTime":)");
  append_number(out, view.remaining_seconds);
  out.append(R"(,"remainingTimeRange":[)");
  append_number(out, view.remaining_low);
  out.push_back(',');
  append_number(out, view.remaining_high);
  out.push_back(']');
  out.append(view.paused ? R"(,"paused":true)" : R"(,"paused":false)");
  out.append(R"(,"refreshAfter":)");
  append_number(out, refresh_after_tenths / 10);
  out += '.';
  out += static_cast<char>('0' + refresh_after_tenths % 10);
  out += '}';
  return out;
}

// The view's members after the token's, so that refreshAfter is written as the status
// answer writes it (12.5, not Boost.JSON's 1.25E1).
std::string queue_ticket_json(std::string_view token, const queue::QueueView& view,
                              std::int64_t refresh_after_tenths) {
  std::string out = R"({"token":)" + json::serialize(json::string(token)) + ",";
  out.append(queue_view_json(view, refresh_after_tenths), 1);
  return out;
}

std::string admission_json(const queue::QueueService::AdmissionState& state) {
  return json::serialize(json::object{{"paused", state.settings.paused},
                                      {"admitRate", state.settings.admit_rate},
                                      {"maxActive", state.settings.max_active},
                                      {"waiting", state.counts.waiting},
                                      {"active", state.counts.active},
                                      {"admittedTotal", state.counts.admitted_up_to},
                                      {"admission", state.adaptive ? "adaptive" : "fixed"},
                                      {"currentAdmitRate", state.rate}});
}

std::string concerts_json(const std::vector<concerts::ConcertSummary>& concerts) {
  json::monotonic_resource resource;
  json::array array(&resource);
  array.reserve(concerts.size());
  for (const auto& summary : concerts) {
    array.push_back(json::object({{"concertId", summary.concert.id.to_string()},
                                  {"concertName", summary.concert.name},
                                  {"date", format_date(summary.concert.date)},
                                  {"availableSeats", summary.available_seats}},
                                 &resource));
  }
  return json::serialize(array);
}

std::string sales_json(const std::vector<concerts::ConcertSales>& sales) {
  json::monotonic_resource resource;
  json::array array(&resource);
  array.reserve(sales.size());
  for (const auto& item : sales) {
    array.push_back(json::object({{"concertId", item.concert.id.to_string()},
                                  {"concertName", item.concert.name},
                                  {"date", format_date(item.concert.date)},
                                  {"seatCount", item.seat_count},
                                  {"sold", item.sold},
                                  {"held", item.held},
                                  {"holdsTotal", item.holds_total},
                                  {"revenue", item.revenue.value()}},
                                 &resource));
  }
  return json::serialize(array);
}

std::string audit_json(const store::AuditReport& report) {
  json::array checks;
  checks.reserve(report.results.size());
  for (const auto& result : report.results) {
    json::array examples;
    for (const auto& example : result.examples) examples.emplace_back(example);
    checks.push_back(json::object({{"invariant", result.check->invariant},
                                   {"rule", result.check->rule},
                                   {"violations", result.violations},
                                   {"examples", std::move(examples)}}));
  }
  return json::serialize(
      json::object({{"ok", report.ok()}, {"broken", report.broken()}, {"checks", checks}}));
}

std::string seats_json(const std::vector<concerts::SeatView>& seats) {
  json::monotonic_resource resource;
  json::array array(&resource);
  array.reserve(seats.size());
  for (const auto& seat : seats) {
    array.push_back(json::object(
        {{"seatNumber", seat.number}, {"available", seat.available}, {"price", seat.price.value()}},
        &resource));
  }
  return json::serialize(array);
}

std::string hold_json(const reservations::Reservation& reservation) {
  return json::serialize(json::object{{"reservationId", reservation.id.to_string()},
                                      {"expiresAt", format_rfc3339(reservation.expires_at)},
                                      {"status", to_string(reservation.status)}});
}

namespace {

json::object reservation_object(const reservations::Reservation& reservation,
                                json::storage_ptr storage = {}) {
  return json::object({{"reservationId", reservation.id.to_string()},
                       {"concertId", reservation.concert.to_string()},
                       {"seatNumber", reservation.seat_number},
                       {"status", to_string(reservation.status)},
                       {"expiresAt", format_rfc3339(reservation.expires_at)},
                       {"price", reservation.price.value()},
                       {"extended", reservation.extended}},
                      std::move(storage));
}

}  // namespace

std::string reservation_json(const reservations::Reservation& reservation) {
  return json::serialize(reservation_object(reservation));
}

std::string reservations_json(const std::vector<reservations::ReservationListing>& listed) {
  json::monotonic_resource resource;
  json::array array(&resource);
  array.reserve(listed.size());
  for (const auto& item : listed) {
    json::object object = reservation_object(item.reservation, &resource);
    object.emplace("concertName", item.concert_name);
    object.emplace("date", format_date(item.concert_date));
    array.push_back(std::move(object));
  }
  return json::serialize(array);
}

std::string new_balance_json(Won balance) {
  return json::serialize(json::object{{"newBalance", balance.value()}});
}

std::string current_balance_json(Won balance) {
  return json::serialize(json::object{{"currentBalance", balance.value()}});
}

std::string payment_json(PaymentId payment) {
  return json::serialize(json::object{{"paymentId", payment.to_string()}, {"status", "success"}});
}

std::string concert_created_json(ConcertId concert) {
  return json::serialize(json::object{{"concertId", concert.to_string()}});
}

std::string status_json(std::string_view status) {
  return json::serialize(json::object{{"status", status}});
}

}  // namespace concertd::http
