#include "common/config/config.h"

#include <gtest/gtest.h>

#include <limits>

namespace kb::config {
namespace {

Definition make(std::string name, Type type, std::optional<std::string> dflt,
                Validator v = no_validation()) {
  Definition d;
  d.name = std::move(name);
  d.type = type;
  d.default_value = std::move(dflt);
  d.validator = std::move(v);
  return d;
}

std::string error_of(const Definition& d, const std::string& text) {
  try {
    parse_value(d, text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ConfigParseTest, Boolean) {
  auto d = make("b", Type::kBoolean, "false");
  EXPECT_EQ(std::get<bool>(parse_value(d, "true")), true);
  EXPECT_EQ(std::get<bool>(parse_value(d, " FALSE ")), false);
  EXPECT_EQ(error_of(d, "yes"),
            "Invalid value yes for configuration b: Expected value to be either true or false");
}

TEST(ConfigParseTest, IntegersAndRanges) {
  auto s = make("s", Type::kShort, "1");
  EXPECT_EQ(std::get<int32_t>(parse_value(s, "32767")), 32767);
  EXPECT_EQ(error_of(s, "32768"),
            "Invalid value 32768 for configuration s: Not a number of type SHORT");
  auto i = make("i", Type::kInt, "1", at_least(1));
  EXPECT_EQ(std::get<int32_t>(parse_value(i, " 42 ")), 42);
  EXPECT_EQ(std::get<int32_t>(parse_value(i, "+7")), 7);
  EXPECT_EQ(error_of(i, "2147483648"),
            "Invalid value 2147483648 for configuration i: Not a number of type INT");
  EXPECT_EQ(error_of(i, "abc"), "Invalid value abc for configuration i: Not a number of type INT");
  EXPECT_EQ(error_of(i, ""), "Invalid value  for configuration i: Not a number of type INT");
  EXPECT_EQ(error_of(i, "0"), "Invalid value 0 for configuration i: Value must be at least 1");
  auto l = make("l", Type::kLong, "1", between(-1, 10));
  EXPECT_EQ(std::get<int64_t>(parse_value(l, "-1")), -1);
  EXPECT_EQ(error_of(l, "11"),
            "Invalid value 11 for configuration l: Value must be no more than 10");
  auto big = make("big", Type::kLong, "1");
  EXPECT_EQ(std::get<int64_t>(parse_value(big, "9223372036854775807")),
            std::numeric_limits<int64_t>::max());
}

TEST(ConfigParseTest, DoubleStringListPassword) {
  auto d = make("d", Type::kDouble, "0.5", between(0, 1));
  EXPECT_DOUBLE_EQ(std::get<double>(parse_value(d, "0.25")), 0.25);
  EXPECT_DOUBLE_EQ(std::get<double>(parse_value(d, "1")), 1.0);
  EXPECT_EQ(error_of(d, "x"), "Invalid value x for configuration d: Not a number of type DOUBLE");
  EXPECT_EQ(error_of(d, "1.5"),
            "Invalid value 1.5 for configuration d: Value must be no more than 1");

  auto s = make("s", Type::kString, "a", one_of({"a", "b"}));
  EXPECT_EQ(std::get<std::string>(parse_value(s, " b ")), "b");
  EXPECT_EQ(error_of(s, "c"), "Invalid value c for configuration s: String must be one of: a, b");
  auto ne = make("ne", Type::kString, "x", non_empty());
  EXPECT_EQ(error_of(ne, "  "), "Invalid value  for configuration ne: String must be non-empty");

  auto list = make("list", Type::kList, "", one_of({"compact", "delete"}));
  EXPECT_EQ(std::get<std::vector<std::string>>(parse_value(list, "compact, delete")),
            (std::vector<std::string>{"compact", "delete"}));
  EXPECT_TRUE(std::get<std::vector<std::string>>(parse_value(list, "")).empty());
  EXPECT_EQ(error_of(list, "compact,x"),
            "Invalid value compact,x for configuration list: Invalid value x in list; must be one "
            "of: compact, delete");

  auto pw = make("pw", Type::kPassword, "", non_empty());
  EXPECT_EQ(std::get<std::string>(parse_value(pw, " secret ")), " secret ");
  EXPECT_EQ(error_of(pw, ""),
            "Invalid value [hidden] for configuration pw: String must be non-empty");
}

TEST(ConfigParseTest, CustomValidator) {
  auto d = make("c", Type::kInt, "2",
                custom(
                    [](const std::string&, const Value& v) -> std::optional<std::string> {
                      if (std::get<int32_t>(v) % 2) return "Must be even";
                      return std::nullopt;
                    },
                    "even numbers"));
  EXPECT_EQ(std::get<int32_t>(parse_value(d, "4")), 4);
  EXPECT_EQ(error_of(d, "3"), "Invalid value 3 for configuration c: Must be even");
  EXPECT_EQ(d.validator.describe(), "even numbers");
  EXPECT_EQ(at_least(1).describe(), "[1,...]");
  EXPECT_EQ(between(0, 1).describe(), "[0,...,1]");
  EXPECT_EQ(between(0, 0.5).describe(), "[0,...,0.5]");
  EXPECT_EQ(one_of({"a", "b"}).describe(), "[a, b]");
}

class ConfigValuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = {make("b", Type::kBoolean, "true"),
              make("s", Type::kShort, "3"),
              make("i", Type::kInt, "7"),
              make("l", Type::kLong, "9"),
              make("d", Type::kDouble, "0.5"),
              make("str", Type::kString, "x"),
              make("list", Type::kList, "a,b"),
              make("nul", Type::kLong, std::nullopt),
              make("nulstr", Type::kString, std::nullopt)};
    Definition req = make("req", Type::kString, std::nullopt, non_empty());
    req.required = true;
    table_.push_back(req);
  }
  std::vector<Definition> table_;
};

TEST_F(ConfigValuesTest, DefaultsGivenAndUnknown) {
  std::vector<std::string> unknown;
  auto v = parse_config(table_, {{"req", "r"}, {"i", "8"}, {"zzz", "1"}}, {}, &unknown);
  EXPECT_TRUE(v.get_bool("b"));
  EXPECT_EQ(v.get_int("s"), 3);
  EXPECT_EQ(v.get_long("s"), 3);
  EXPECT_EQ(v.get_int("i"), 8);
  EXPECT_TRUE(v.is_set("i"));
  EXPECT_FALSE(v.is_set("l"));
  EXPECT_EQ(v.get_long("l"), 9);
  EXPECT_DOUBLE_EQ(v.get_double("d"), 0.5);
  EXPECT_EQ(v.get_string("str"), "x");
  EXPECT_EQ(v.get_list("list"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(v.is_null("nul"));
  EXPECT_EQ(v.get_as_string("nul"), std::nullopt);
  EXPECT_EQ(v.get_string("nulstr"), "");
  EXPECT_EQ(v.get_as_string("list"), "a,b");
  EXPECT_EQ(v.get_as_string("d"), "0.5");
  EXPECT_EQ(unknown, (std::vector<std::string>{"zzz"}));
  EXPECT_EQ(v.originals().at("zzz"), "1");
  EXPECT_EQ(v.originals().size(), 3u);
}

TEST_F(ConfigValuesTest, InheritedDefaultsBeatTableDefaults) {
  auto v = parse_config(table_, {{"req", "r"}}, {{"i", "11"}}, nullptr);
  EXPECT_EQ(v.get_int("i"), 11);
  EXPECT_FALSE(v.is_set("i"));
}

TEST_F(ConfigValuesTest, MissingRequired) {
  try {
    parse_config(table_, {}, {}, nullptr);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "Missing required configuration \"req\" which has no default value.");
    EXPECT_EQ(e.key(), "req");
  }
}

TEST_F(ConfigValuesTest, ProgrammingErrorsThrowLogicError) {
  auto v = parse_config(table_, {{"req", "r"}}, {}, nullptr);
  EXPECT_THROW(v.get_int("nope"), std::logic_error);
  EXPECT_THROW(v.get_int("l"), std::logic_error);
  EXPECT_THROW(v.get_string("i"), std::logic_error);
  EXPECT_THROW(v.get_bool("str"), std::logic_error);
  EXPECT_THROW(v.get_long("nul"), std::logic_error);
  EXPECT_THROW(v.is_set("nope"), std::logic_error);
}

TEST_F(ConfigValuesTest, ErrorCarriesParts) {
  try {
    parse_config(table_, {{"req", "r"}, {"i", "x"}}, {}, nullptr);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "i");
    EXPECT_EQ(e.value(), "x");
    EXPECT_EQ(e.reason(), "Not a number of type INT");
  }
}

}  // namespace
}  // namespace kb::config
