#include "tokens/join_pow.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <string>
#include <string_view>

#include "common/metrics.hpp"
#include "fakes/fake_clock.hpp"

namespace concertd::tokens {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSecret = "join-pow-test-secret-0123456789abcdef";

// The leading zero bits of SHA-256(challenge || nonce), as a client computes them.
unsigned zeros_of(std::string_view challenge, std::string_view nonce) {
  const std::string input = std::string(challenge) + std::string(nonce);
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(input.data()),
                     input.size());
  return leading_zero_bits(digest);
}

// The first decimal nonce from `from` on whose hash has `at_least`..`at_most` leading zero bits.
std::string find_nonce(std::string_view challenge, unsigned at_least, unsigned at_most = 256,
                       unsigned long from = 0) {
  for (unsigned long n = from;; ++n) {
    std::string nonce = std::to_string(n);
    const unsigned zeros = zeros_of(challenge, nonce);
    if (zeros >= at_least && zeros <= at_most) return nonce;
  }
}

class JoinPowTest : public ::testing::Test {
 protected:
  static constexpr unsigned kBits = 8;

  testing::FakeClock clock_;
  JoinPow pow_{kSecret, kBits, clock_};
  UserId user_ = UserId::random();
};

TEST(LeadingZeroBits, CountsFromTheFirstByteMostSignificantBitFirst) {
  EXPECT_EQ(leading_zero_bits(std::array<unsigned char, 3>{0x00, 0x00, 0x80}), 16U);
  EXPECT_EQ(leading_zero_bits(std::array<unsigned char, 2>{0x01, 0x00}), 7U);
  EXPECT_EQ(leading_zero_bits(std::array<unsigned char, 2>{0x00, 0x3F}), 10U);
  EXPECT_EQ(leading_zero_bits(std::array<unsigned char, 1>{0xFF}), 0U);
  EXPECT_EQ(leading_zero_bits(std::array<unsigned char, 4>{}), 32U);
}

TEST_F(JoinPowTest, ChallengeIsBase64urlTextThatExpiresAfterTheTtl) {
  const auto challenge = pow_.issue(user_);
  EXPECT_EQ(challenge.text.size(), 75U);
  EXPECT_EQ(challenge.text.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(challenge.expires_at, clock_.now() + JoinPow::kChallengeTtl);
  EXPECT_NE(pow_.issue(user_).text, challenge.text);
}

TEST_F(JoinPowTest, AcceptsANonceThatSolvesTheChallenge) {
  const auto challenge = pow_.issue(user_);
  EXPECT_EQ(pow_.verify(user_, challenge.text, find_nonce(challenge.text, kBits)),
            PowOutcome::kAccepted);
}

TEST_F(JoinPowTest, RejectsANonceThatDoesNotSolveIt) {
  const auto challenge = pow_.issue(user_);
  EXPECT_EQ(pow_.verify(user_, challenge.text, find_nonce(challenge.text, 0, kBits - 1)),
            PowOutcome::kWrongNonce);
}

TEST_F(JoinPowTest, NeedsAtLeastBitsLeadingZeroBitsExactly) {
  // One key, two difficulties: a nonce with exactly kBits zero bits passes kBits, not kBits+1.
  JoinPow harder(kSecret, kBits + 1, clock_);
  const auto challenge = pow_.issue(user_);
  const auto nonce = find_nonce(challenge.text, kBits, kBits);
  ASSERT_EQ(zeros_of(challenge.text, nonce), kBits);
  EXPECT_EQ(harder.verify(user_, challenge.text, nonce), PowOutcome::kWrongNonce);
  EXPECT_EQ(pow_.verify(user_, challenge.text, nonce), PowOutcome::kAccepted);
}

TEST_F(JoinPowTest, RejectsAnExpiredChallenge) {
  const auto late = pow_.issue(user_);
  const auto in_time = pow_.issue(user_);
  clock_.advance(JoinPow::kChallengeTtl - 1ms);
  EXPECT_EQ(pow_.verify(user_, in_time.text, find_nonce(in_time.text, kBits)),
            PowOutcome::kAccepted);
  clock_.advance(1ms);
  EXPECT_EQ(pow_.verify(user_, late.text, find_nonce(late.text, kBits)), PowOutcome::kExpired);
}

TEST_F(JoinPowTest, RejectsATamperedChallenge) {
  const auto challenge = pow_.issue(user_);
  // Each character of the text in turn: the random bytes, the expiry, the MAC.
  for (std::size_t i = 0; i < challenge.text.size(); ++i) {
    std::string tampered = challenge.text;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_EQ(pow_.verify(user_, tampered, find_nonce(tampered, kBits)), PowOutcome::kForged)
        << "character " << i;
  }
  for (const std::string& garbage : {challenge.text.substr(1), challenge.text + "A",
                                     std::string("not a challenge"), std::string(75, '=')}) {
    EXPECT_EQ(pow_.verify(user_, garbage, "0"), PowOutcome::kForged) << garbage;
  }
  EXPECT_EQ(pow_.verify(user_, challenge.text, find_nonce(challenge.text, kBits)),
            PowOutcome::kAccepted);
}

TEST_F(JoinPowTest, RejectsAnotherUsersChallengeAndAnotherKeys) {
  const auto theirs = pow_.issue(UserId::random());
  EXPECT_EQ(pow_.verify(user_, theirs.text, find_nonce(theirs.text, kBits)), PowOutcome::kForged);
  JoinPow other_key("another-secret-of-the-right-length", kBits, clock_);
  const auto foreign = other_key.issue(user_);
  EXPECT_EQ(pow_.verify(user_, foreign.text, find_nonce(foreign.text, kBits)), PowOutcome::kForged);
}

TEST_F(JoinPowTest, AnyNodeWithTheSecretVerifiesAnothersChallenge) {
  JoinPow other_node(kSecret, kBits, clock_);
  const auto challenge = other_node.issue(user_);
  EXPECT_EQ(pow_.verify(user_, challenge.text, find_nonce(challenge.text, kBits)),
            PowOutcome::kAccepted);
}

TEST_F(JoinPowTest, RefusesAReplayedSolutionUntilTheChallengeExpires) {
  const auto challenge = pow_.issue(user_);
  const auto nonce = find_nonce(challenge.text, kBits);
  ASSERT_EQ(pow_.verify(user_, challenge.text, nonce), PowOutcome::kAccepted);
  EXPECT_EQ(pow_.verify(user_, challenge.text, nonce), PowOutcome::kReplayed);
  // Another solution of the same challenge is a replay too.
  const auto second = find_nonce(challenge.text, kBits, 256, std::stoul(nonce) + 1);
  EXPECT_EQ(pow_.verify(user_, challenge.text, second), PowOutcome::kReplayed);
  clock_.advance(JoinPow::kChallengeTtl);
  EXPECT_EQ(pow_.verify(user_, challenge.text, nonce), PowOutcome::kExpired);
}

TEST_F(JoinPowTest, MissingChallengeOrNonceIsMissing) {
  const auto challenge = pow_.issue(user_);
  EXPECT_EQ(pow_.verify(user_, "", "0"), PowOutcome::kMissing);
  EXPECT_EQ(pow_.verify(user_, challenge.text, ""), PowOutcome::kMissing);
}

TEST_F(JoinPowTest, CountsChallengesAcceptancesAndRefusalsByReason) {
  auto& m = metrics::registry();
  const auto issued = m.pow_challenges.value();
  const auto accepted = m.pow_accepted.value();
  const auto replayed = m.pow_refused_replayed.value();
  const auto wrong = m.pow_refused_wrong_nonce.value();
  const auto challenge = pow_.issue(user_);
  const auto nonce = find_nonce(challenge.text, kBits);
  static_cast<void>(pow_.verify(user_, challenge.text, find_nonce(challenge.text, 0, kBits - 1)));
  static_cast<void>(pow_.verify(user_, challenge.text, nonce));
  static_cast<void>(pow_.verify(user_, challenge.text, nonce));
  EXPECT_EQ(m.pow_challenges.value() - issued, 1U);
  EXPECT_EQ(m.pow_accepted.value() - accepted, 1U);
  EXPECT_EQ(m.pow_refused_wrong_nonce.value() - wrong, 1U);
  EXPECT_EQ(m.pow_refused_replayed.value() - replayed, 1U);
}

TEST(JoinPowNonce, IsOneTo64Base64urlCharacters) {
  EXPECT_TRUE(JoinPow::well_formed_nonce("0"));
  EXPECT_TRUE(JoinPow::well_formed_nonce("abcXYZ019_-"));
  EXPECT_TRUE(JoinPow::well_formed_nonce(std::string(64, '7')));
  EXPECT_FALSE(JoinPow::well_formed_nonce(""));
  EXPECT_FALSE(JoinPow::well_formed_nonce(std::string(65, '7')));
  EXPECT_FALSE(JoinPow::well_formed_nonce("12 34"));
  EXPECT_FALSE(JoinPow::well_formed_nonce("1+2/"));
}

TEST(JoinPowConfig, RefusesMoreThanMaxBitsAndAnEmptySecret) {
  const testing::FakeClock clock;
  EXPECT_THROW(JoinPow(kSecret, JoinPow::kMaxBits + 1, clock), std::invalid_argument);
  EXPECT_THROW(JoinPow("", 8, clock), std::invalid_argument);
  EXPECT_FALSE(JoinPow(kSecret, 0, clock).enabled());
}

}  // namespace
}  // namespace concertd::tokens
