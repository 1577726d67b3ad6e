#include <gtest/gtest.h>

#include "common/id.hpp"

namespace concertd {
namespace {

TEST(Uuid, RoundTripsThroughText) {
  const auto id = Uuid::random();
  const auto text = id.to_string();
  EXPECT_EQ(text.size(), 36u);
  EXPECT_EQ(text[14], '4');
  EXPECT_EQ(Uuid::parse(text), id);
}

TEST(Uuid, ParsesEitherCase) {
  EXPECT_EQ(Uuid::parse("0A1B2C3D-4E5F-4A6B-8C7D-0123456789AB"),
            Uuid::parse("0a1b2c3d-4e5f-4a6b-8c7d-0123456789ab"));
}

TEST(Uuid, RejectsAnythingElse) {
  for (const char* bad :
       {"", "0a1b2c3d4e5f4a6b8c7d0123456789ab", "0a1b2c3d-4e5f-4a6b-8c7d-0123456789a",
        "0a1b2c3d-4e5f-4a6b-8c7d-0123456789abc", "0a1b2c3d-4e5f-4a6b-8c7d_0123456789ab",
        "0a1b2c3d-4e5f-4a6b-8c7d-0123456789ag", "0a1b2c3-d4e5f-4a6b-8c7d-0123456789ab"}) {
    EXPECT_FALSE(Uuid::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace concertd
