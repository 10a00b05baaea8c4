#include "common/config/config_docs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace kb::config {
namespace {

TEST(ConfigDocsTest, CheckedInDocsAreCurrent) {
  std::ifstream in(std::string(KB_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(text.str() == render_config_docs())
      << "docs/configuration.md is stale: regenerate it with "
         "`build/bin/kb-config-docs > docs/configuration.md`";
}

TEST(ConfigDocsTest, RendersRows) {
  std::string docs = render_config_docs();
  EXPECT_NE(docs.find("| `zookeeper.connect` | STRING | (required) | non-empty | high |"),
            std::string::npos);
  EXPECT_NE(docs.find("| `segment.bytes` | INT | `1073741824` | [14,...] | medium | "
                      "`log.segment.bytes` |"),
            std::string::npos);
}

}  // namespace
}  // namespace kb::config
