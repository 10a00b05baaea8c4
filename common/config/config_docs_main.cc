// kb-config-docs: prints docs/configuration.md (both config tables as Markdown) on stdout.
//   kb-config-docs > docs/configuration.md
#include <iostream>
#include <string>

#include "common/config/config_docs.h"

int main(int argc, char** argv) {
  if (argc > 1) {
    std::cerr << "usage: kb-config-docs > docs/configuration.md\n";
    return std::string(argv[1]) == "--help" ? 0 : 1;
  }
  std::cout << kb::config::render_config_docs();
  return std::cout.good() ? 0 : 1;
}
