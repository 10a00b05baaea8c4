#pragma once
// Renders the broker and topic config tables as Markdown: the content of docs/configuration.md,
// written by the kb-config-docs tool and checked for staleness by a unit test.
#include <string>
#include <vector>

#include "common/config/config.h"

namespace kb::config {

std::string render_config_docs();
// One table, ordered by importance then name; `with_synonym` adds the "Default from" column.
std::string render_config_table(const std::vector<Definition>& table, bool with_synonym);

}  // namespace kb::config
