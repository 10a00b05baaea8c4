#include "clients/tools/output.h"

#include <gtest/gtest.h>

namespace kb::tools {
namespace {

TEST(JsonQuote, Escapes) {
  EXPECT_EQ("\"plain\"", json_quote("plain"));
  EXPECT_EQ("\"a\\\"b\\\\c\\n\\t\"", json_quote("a\"b\\c\n\t"));
  EXPECT_EQ("\"\\u0001\"", json_quote(std::string(1, '\x01')));
}

TEST(JsonWriter, NestedContainersGetCommas) {
  JsonWriter w;
  w.begin_object().key("a").value(int64_t{1}).key("b").begin_array();
  w.value("x").null().value(true).int_array({1, 2});
  w.end_array().key("c").begin_object().end_object().end_object();
  EXPECT_EQ(R"({"a":1,"b":["x",null,true,[1,2]],"c":{}})", w.str());
}

TEST(JoinIds, KafkaMkString) {
  EXPECT_EQ("", join_ids({}));
  EXPECT_EQ("3", join_ids({3}));
  EXPECT_EQ("1,2,3", join_ids({1, 2, 3}));
}

}  // namespace
}  // namespace kb::tools
