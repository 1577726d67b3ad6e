#include "tokens/tokens.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <string>
#include <string_view>

#include "fakes/fake_clock.hpp"

namespace concertd::tokens {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";

std::string base64url(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

// An HS256 JWT made by hand (not by libjwt) from raw header and payload JSON.
std::string hand_made(std::string_view header, std::string_view payload,
                      std::string_view secret = kSecret) {
  const std::string signed_part = base64url(header) + "." + base64url(payload);
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_part.data()),
                                signed_part.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return signed_part + "." +
         base64url(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

class TokensTest : public ::testing::Test {
 protected:
  // A queue-token payload for `user_` with the given claims text after "sub".
  [[nodiscard]] std::string payload(std::string_view rest) const {
    return R"({"sub":")" + user_.to_string() + "\"," + std::string(rest) + "}";
  }

  testing::FakeClock clock_;
  TokenService tokens_{std::string(kSecret), clock_};
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

TEST_F(TokensTest, NotBeforeAndIssuedAtInTheFutureAreRejectedBeyondTheLeeway) {
  const auto now =
      std::chrono::floor<std::chrono::seconds>(clock_.now()).time_since_epoch().count();
  const auto with = [&](std::string_view claim, std::int64_t at) {
    return hand_made(kHeader, payload(R"("typ":"queue","exp":9999999999,"qn":7,")" +
                                      std::string(claim) + "\":" + std::to_string(at)));
  };
  for (const std::string_view claim : {"nbf", "iat"}) {
    EXPECT_TRUE(tokens_.verify_queue(with(claim, now - 60))) << claim;
    EXPECT_TRUE(tokens_.verify_queue(with(claim, now + 30))) << claim << ": within the leeway";
    const auto ahead = tokens_.verify_queue(with(claim, now + 3600));
    ASSERT_FALSE(ahead) << claim;
    EXPECT_EQ(ahead.error().code, Errc::kInvalidToken);
    // Becomes valid once the clock gets there.
    clock_.advance(3600s);
    EXPECT_TRUE(tokens_.verify_queue(with(claim, now + 3600))) << claim;
    clock_.advance(-3600s);
  }
  // Present but not an integer: rejected like a malformed exp.
  EXPECT_FALSE(tokens_.verify_queue(
      hand_made(kHeader, payload(R"("typ":"queue","exp":9999999999,"qn":7,"nbf":"soon")"))));
}

TEST_F(TokensTest, HandMadeTokenIsAcceptedLikeOurOwn) {
  const auto claims =
      tokens_.verify_queue(hand_made(kHeader, payload(R"("typ":"queue","exp":9999999999,"qn":7)")));
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->user, user_);
  EXPECT_EQ(claims->number, 7);
}

TEST_F(TokensTest, WhitespaceInsideTheJsonIsAccepted) {
  const auto token =
      hand_made(" { \"alg\" : \"HS256\" ,\n \"typ\" : \"JWT\" } ",
                "{ \"qn\" : 3 , \"typ\" : \"queue\", \"exp\" : 9999999999 ,\"sub\":\"" +
                    user_.to_string() + "\" }");
  const auto claims = tokens_.verify_queue(token);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->number, 3);
}

TEST_F(TokensTest, WhitespaceAroundOrInsideTheTokenIsRejected) {
  const auto token = tokens_.issue_access(user_);
  EXPECT_FALSE(tokens_.verify_access(" " + token));
  EXPECT_FALSE(tokens_.verify_access(token + " "));
  EXPECT_FALSE(tokens_.verify_access(token.substr(0, 10) + " " + token.substr(10)));
}

TEST_F(TokensTest, OnlyHs256IsAcceptedEvenWhenTheMacIsRight) {
  const auto body = payload(R"("typ":"access","exp":9999999999)");
  EXPECT_TRUE(tokens_.verify_access(hand_made(kHeader, body)));
  for (const std::string_view header :
       {R"({"alg":"none"})", R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"hs256"})",
        R"({"typ":"JWT"})", R"({"alg":["HS256"]})", R"(["HS256"])", "not json"}) {
    EXPECT_EQ(tokens_.verify_access(hand_made(header, body)).error().code, Errc::kInvalidToken)
        << header;
  }
}

TEST_F(TokensTest, ClaimsOfTheWrongShapeAreRejected) {
  for (const std::string& body : {
           payload(R"("typ":"queue","exp":9999999999)"),           // no queue number
           payload(R"("typ":"queue","exp":9999999999,"qn":0)"),    // not a number we give
           payload(R"("typ":"queue","exp":9999999999,"qn":"7")"),  // a string
           payload(R"("typ":"queue","exp":9999999999.0,"qn":7)"),  // exp not an integer
           payload(R"("typ":"queue","exp":"9999999999","qn":7)"),  // exp a string
           payload(R"("typ":"queue","qn":7)"),                     // no exp
           payload(R"("typ":"queue","exp":1,"qn":7)"),             // long expired
           payload(R"("typ":"QUEUE","exp":9999999999,"qn":7)"),    // wrong kind
           payload(R"("exp":9999999999,"qn":7)"),                  // no kind
           std::string(R"({"sub":"nobody","typ":"queue","exp":9999999999,"qn":7})"),
           std::string(R"({"typ":"queue","exp":9999999999,"qn":7})"),  // no subject
           std::string(R"([1,2])"),
           std::string("{"),
       }) {
    EXPECT_EQ(tokens_.verify_queue(hand_made(kHeader, body)).error().code, Errc::kInvalidToken)
        << body;
  }
}

TEST_F(TokensTest, TamperedHeaderOrSignatureIsRejected) {
  const auto token = tokens_.issue_queue(user_, 5);
  ASSERT_TRUE(tokens_.verify_queue(token));
  for (const std::size_t at :
       {std::size_t{0}, std::size_t{3}, token.rfind('.') + 1, token.size() - 1, token.size() - 2}) {
    auto tampered = token;
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    EXPECT_EQ(tokens_.verify_queue(tampered).error().code, Errc::kInvalidToken) << at;
  }
  const std::string_view view = token;
  EXPECT_FALSE(tokens_.verify_queue(token + "="));   // padding
  EXPECT_FALSE(tokens_.verify_queue(token + ".x"));  // a fourth segment
  EXPECT_FALSE(tokens_.verify_queue(std::string(view.substr(0, view.rfind('.')))));  // unsigned
  EXPECT_FALSE(tokens_.verify_queue(std::string(view.substr(0, view.rfind('.') + 1))));
}

TEST_F(TokensTest, TokenOfAnotherKeyIsRejectedWhateverItSays) {
  const auto token = hand_made(kHeader, payload(R"("typ":"queue","exp":9999999999,"qn":7)"),
                               "another-secret-another-secret-xx");
  EXPECT_EQ(tokens_.verify_queue(token).error().code, Errc::kInvalidToken);
}

}  // namespace
}  // namespace concertd::tokens
