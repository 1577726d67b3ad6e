#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace concertd {

// Business outcomes a caller can act on. Each maps to one stable contract code
// (see src/http/errors.cpp); faults nobody can fix are exceptions instead.
enum class Errc {
  kInvalidArgument,  // malformed input the domain rejected
  kInvalidAmount,    // charge outside 1..10,000,000 won or balance would overflow
  kAmountMismatch,   // payment amount differs from the seat price
  kUsernameTaken,
  kBadCredentials,
  kInvalidToken,    // forged, malformed, expired or wrong-kind token
  kForbidden,       // authenticated, but not this user's resource
  kQueueNotActive,  // queue entry is WAITING or EXPIRED
  kConcertNotFound,
  kSeatNotFound,
  kReservationNotFound,
  kUserNotFound,
  kSeatUnavailable,  // sold, or held by a live hold
  kHoldLimit,        // the user already holds the maximum of unpaid seats
  kHoldExpired,      // the reservation lapsed or was cancelled
  kAlreadyPaid,
  kAlreadyExtended,  // the hold was extended once already
  kInsufficientBalance,
  kIdempotencyKeyReused,  // same key, different request
  kLoginLocked,           // too many failed logins in a row: retry_after says how long
};

struct Error {
  Errc code;
  std::string detail;
  std::chrono::seconds retry_after{};  // when the outcome may change by waiting; else 0
};

template <class T>
using Result = boost::system::result<T, Error>;

// Thrown by Result::value() on an error; a bug if it ever escapes a request.
class UnexpectedError final : public std::logic_error {
 public:
  explicit UnexpectedError(const Error& e) : std::logic_error(e.detail), code_(e.code) {}
  [[nodiscard]] Errc code() const noexcept { return code_; }

 private:
  Errc code_;
};

[[noreturn]] inline void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw UnexpectedError(e);
}

[[nodiscard]] inline Error make_error(Errc code, std::string detail,
                                      std::chrono::seconds retry_after = {}) {
  return Error{code, std::move(detail), retry_after};
}

// A fault of the database (busy, gone, disk full): the request is answered 503.
class StoreUnavailable final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Stored data that does not parse (e.g. an idempotency record's outcome): a broken
// invariant no caller can fix, answered 500 and logged, never read as some default.
class StoreCorrupt final : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace concertd
