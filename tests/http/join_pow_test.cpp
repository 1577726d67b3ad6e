// Proof of work on queue joins (--join-pow BITS, contract §3 "Waiting room"): the challenge
// endpoint, joins with and without a solution, replays, several nodes, and /metrics, through a
// real concertd on every store. Expiry is the unit tests' (JoinPowTest, with a fake clock).

#include <sodium.h>

#include <array>
#include <bit>
#include <string>

#include "http/support.hpp"

namespace concertd::test {
namespace {

class ProofOfWork : public OnEveryStore {};
CONCERTD_ON_EVERY_STORE(ProofOfWork);

constexpr int kBits = 8;

std::vector<std::string> pow_flags(int bits = kBits) {
  return {"--join-pow", std::to_string(bits)};
}

Response challenge_for(HttpClient& http, const Account& a) {
  return http.get("/api/v1/tokens/challenge?userId=" + a.id);
}

unsigned leading_zeros(const std::string& input) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(input.data()),
                     input.size());
  unsigned zeros = 0;
  for (const unsigned char b : digest) {
    if (b != 0) return zeros + static_cast<unsigned>(std::countl_zero(b));
    zeros += 8;
  }
  return zeros;
}

// The first decimal nonce whose SHA-256(challenge || nonce) has `bits` leading zero bits or
// more (wanted = true), or fewer (false).
std::string solve(const std::string& challenge, int bits, bool wanted = true) {
  for (unsigned long n = 0;; ++n) {
    const std::string nonce = std::to_string(n);
    if ((leading_zeros(challenge + nonce) >= static_cast<unsigned>(bits)) == wanted) return nonce;
  }
}

json::object join_body(const Account& a, const std::string& challenge, const std::string& nonce) {
  return {{"userId", a.id}, {"powChallenge", challenge}, {"powNonce", nonce}};
}

// A join body with a fresh challenge of `server` for `a`, solved.
json::object solved_join(HttpClient& http, const Account& a, int bits = kBits) {
  const auto c = challenge_for(http, a);
  if (c.status != 200) throw std::runtime_error("GET /tokens/challenge: " + c.describe());
  const auto challenge = c.str("challenge");
  return join_body(a, challenge, solve(challenge, bits));
}

std::int64_t entries_of(const ServerProcess& server, const Account& a) {
  Db db(server.database());
  return db.scalar("SELECT count(*) FROM queue_entries WHERE user_id = ?1", {uuid(a.id)});
}

TEST_P(ProofOfWork, OffByDefaultJoinsNeedNoProof) {
  ServerProcess server(on_store());
  HttpClient http(server.port());
  auto a = make_account(server.port());
  const auto c = challenge_for(http, a);
  ASSERT_TRUE(has_status(c, 200));
  EXPECT_EQ(c.integer("bits"), 0);
  EXPECT_EQ(c.str("challenge").size(), 75U) << c.describe();
  EXPECT_TRUE(is_rfc3339_utc(c.str("expiresAt"))) << c.describe();
  EXPECT_EQ(c.header("Cache-Control"), "no-store");
  EXPECT_TRUE(has_status(http.post("/api/v1/tokens", {{"userId", a.id}}, a.access), 201));
}

TEST_P(ProofOfWork, ChallengeExpiresInTwoMinutesAndNeedsAUserId) {
  ServerProcess server(on_store({.extra_args = pow_flags()}));
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  const auto c = challenge_for(http, a);
  ASSERT_TRUE(has_status(c, 200));
  EXPECT_EQ(c.integer("bits"), kBits);
  const auto left = parse_rfc3339(c.str("expiresAt")) - now_ms() / 1000;
  EXPECT_GE(left, 115) << c.describe();
  EXPECT_LE(left, 121) << c.describe();
  EXPECT_TRUE(is_problem(http.get("/api/v1/tokens/challenge"), 400, "BAD_REQUEST"));
  EXPECT_TRUE(
      is_problem(http.get("/api/v1/tokens/challenge?userId=not-a-uuid"), 400, "BAD_REQUEST"));
}

TEST_P(ProofOfWork, JoinWithoutAProofIsPowRequiredAndQueuesNobody) {
  ServerProcess server(on_store({.extra_args = pow_flags()}));
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/tokens", {{"userId", a.id}}, a.access), 403, "POW_REQUIRED"));
  const auto challenge = challenge_for(http, a).str("challenge");
  EXPECT_TRUE(is_problem(
      http.post("/api/v1/tokens", {{"userId", a.id}, {"powChallenge", challenge}}, a.access), 403,
      "POW_REQUIRED"));
  EXPECT_EQ(entries_of(server, a), 0);
}

TEST_P(ProofOfWork, SolvedChallengeJoinsAndTheFanIsAdmitted) {
  ServerProcess server(on_store({.extra_args = pow_flags()}));
  HttpClient http(server.port());
  auto a = make_account(server.port());
  const auto r = http.post("/api/v1/tokens", solved_join(http, a), a.access);
  ASSERT_TRUE(has_status(r, 201));
  EXPECT_NO_THROW(wait_active(http, r.str("token")));
}

TEST_P(ProofOfWork, WrongNonceTamperedOrAnotherUsersChallengeIsPowInvalid) {
  ServerProcess server(on_store({.extra_args = pow_flags()}));
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  const auto b = make_account(server.port());
  const auto challenge = challenge_for(http, a).str("challenge");
  const auto join = [&](const json::object& body) {
    return http.post("/api/v1/tokens", body, a.access);
  };
  EXPECT_TRUE(is_problem(join(join_body(a, challenge, solve(challenge, kBits, false))), 403,
                         "POW_INVALID"));
  std::string tampered = challenge;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(is_problem(join(join_body(a, tampered, solve(tampered, kBits))), 403, "POW_INVALID"));
  const auto theirs = challenge_for(http, b).str("challenge");
  EXPECT_TRUE(is_problem(join(join_body(a, theirs, solve(theirs, kBits))), 403, "POW_INVALID"));
  // A nonce that is not 1..64 of [A-Za-z0-9_-], or mistyped fields, are malformed requests.
  EXPECT_TRUE(is_problem(join(join_body(a, challenge, "1 2")), 400, "BAD_REQUEST"));
  EXPECT_TRUE(is_problem(join(join_body(a, challenge, std::string(65, '1'))), 400, "BAD_REQUEST"));
  EXPECT_TRUE(is_problem(join({{"userId", a.id}, {"powChallenge", challenge}, {"powNonce", 7}}),
                         400, "BAD_REQUEST"));
  EXPECT_EQ(entries_of(server, a), 0);
  // None of these used the challenge up.
  EXPECT_TRUE(has_status(join(join_body(a, challenge, solve(challenge, kBits))), 201));
}

TEST_P(ProofOfWork, ReplayedNonceIsRefused) {
  ServerProcess server(on_store({.extra_args = pow_flags()}));
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  const auto body = solved_join(http, a);
  const auto first = http.post("/api/v1/tokens", body, a.access);
  ASSERT_TRUE(has_status(first, 201));
  const auto replay = http.post("/api/v1/tokens", body, a.access);
  EXPECT_TRUE(is_problem(replay, 403, "POW_INVALID"));
  EXPECT_NE(replay.str("detail").find("used already"), std::string::npos) << replay.describe();
  // A fresh solution gets the fan's live entry back, as any second join does.
  const auto again = http.post("/api/v1/tokens", solved_join(http, a), a.access);
  ASSERT_TRUE(has_status(again, 200));
  EXPECT_EQ(entries_of(server, a), 1);
}

// Nodes share the token secret, not the set of used challenges: a challenge from one node
// joins on another, and replaying it on a third node (not refused there) yields that user's
// own live entry again, nothing more.
TEST_P(ProofOfWork, ChallengeFromOneNodeJoinsOnAnotherAndAReplayGainsNothing) {
  if (!is_shared(GetParam())) GTEST_SKIP() << "several nodes need a shared store";
  ServerProcess issuer(on_store({.extra_args = pow_flags()}));
  ServerProcess joiner(on_store({.extra_args = pow_flags()}));
  ServerProcess other(on_store({.extra_args = pow_flags()}));
  HttpClient to_issuer(issuer.port());
  HttpClient to_joiner(joiner.port());
  HttpClient to_other(other.port());
  const auto a = make_account(issuer.port());
  const auto body = solved_join(to_issuer, a);
  const auto joined = to_joiner.post("/api/v1/tokens", body, a.access);
  ASSERT_TRUE(has_status(joined, 201));
  EXPECT_TRUE(is_problem(to_joiner.post("/api/v1/tokens", body, a.access), 403, "POW_INVALID"));
  const auto replayed = to_other.post("/api/v1/tokens", body, a.access);
  ASSERT_TRUE(has_status(replayed, 200));
  EXPECT_EQ(entries_of(issuer, a), 1);
}

TEST_P(ProofOfWork, MetricsCountChallengesAcceptancesAndRefusalsByReason) {
  ServerProcess server(on_store({.extra_args = pow_flags()}));
  HttpClient http(server.port());
  const auto a = make_account(server.port());
  const auto body = solved_join(http, a);
  ASSERT_TRUE(has_status(http.post("/api/v1/tokens", body, a.access), 201));
  EXPECT_TRUE(is_problem(http.post("/api/v1/tokens", body, a.access), 403, "POW_INVALID"));
  EXPECT_TRUE(
      is_problem(http.post("/api/v1/tokens", {{"userId", a.id}}, a.access), 403, "POW_REQUIRED"));
  const auto m = http.get("/metrics");
  ASSERT_TRUE(has_status(m, 200));
  for (const char* line :
       {"\nconcertd_join_pow_bits 8\n", "\nconcertd_join_pow_challenges_total 1\n",
        "\nconcertd_join_pow_accepted_total 1\n",
        "\nconcertd_join_pow_refused_total{reason=\"missing\"} 1\n",
        "\nconcertd_join_pow_refused_total{reason=\"replayed\"} 1\n",
        "\nconcertd_join_pow_refused_total{reason=\"wrong_nonce\"} 0\n"}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace concertd::test
