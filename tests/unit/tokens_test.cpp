#include "users/tokens.hpp"

#include <gtest/gtest.h>

#include "fakes/fake_clock.hpp"

namespace concertd::users {
namespace {

using namespace std::chrono_literals;

class TokensTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  TokenService tokens_{"0123456789abcdef0123456789abcdef", clock_};
  UserId user_ = UserId::random();
};

TEST_F(TokensTest, AccessTokenNamesItsUser) {
  const auto user = tokens_.verify_access(tokens_.issue_access(user_));
  ASSERT_TRUE(user);
  EXPECT_EQ(*user, user_);
}

TEST_F(TokensTest, QueueTokenCarriesUserAndQueueNumber) {
  const auto claims = tokens_.verify_queue(tokens_.issue_queue(user_, 42));
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->user, user_);
  EXPECT_EQ(claims->number, 42);
}

TEST_F(TokensTest, OneKindIsNeverAcceptedAsTheOther) {
  EXPECT_EQ(tokens_.verify_queue(tokens_.issue_access(user_)).error().code, Errc::kInvalidToken);
  EXPECT_EQ(tokens_.verify_access(tokens_.issue_queue(user_, 1)).error().code, Errc::kInvalidToken);
}

TEST_F(TokensTest, TokenSignedWithAnotherKeyIsRejected) {
  const TokenService other("another-secret-another-secret-xx", clock_);
  EXPECT_EQ(tokens_.verify_access(other.issue_access(user_)).error().code, Errc::kInvalidToken);
}

TEST_F(TokensTest, TamperedPayloadIsRejected) {
  auto token = tokens_.issue_access(user_);
  const auto dot = token.find('.');
  token[dot + 5] = token[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(tokens_.verify_access(token).error().code, Errc::kInvalidToken);
}

TEST_F(TokensTest, UnsignedAlgNoneTokenIsRejected) {
  // {"alg":"none","typ":"JWT"} . {"sub":<user>,"typ":"access","exp":9999999999} . (empty)
  const std::string header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
  const auto access = tokens_.issue_access(user_);
  const auto payload =
      access.substr(access.find('.') + 1, access.rfind('.') - access.find('.') - 1);
  EXPECT_EQ(tokens_.verify_access(header + "." + payload + ".").error().code, Errc::kInvalidToken);
}

TEST_F(TokensTest, GarbageIsRejected) {
  EXPECT_EQ(tokens_.verify_access("").error().code, Errc::kInvalidToken);
  EXPECT_EQ(tokens_.verify_access("not.a.jwt").error().code, Errc::kInvalidToken);
  EXPECT_EQ(tokens_.verify_access(std::string(10000, 'a')).error().code, Errc::kInvalidToken);
}

TEST_F(TokensTest, AccessTokenExpiresAfterAnHour) {
  const auto token = tokens_.issue_access(user_);
  clock_.advance(3599s);
  EXPECT_TRUE(tokens_.verify_access(token));
  clock_.advance(1s);
  EXPECT_EQ(tokens_.verify_access(token).error().code, Errc::kInvalidToken);
}

}  // namespace
}  // namespace concertd::users
