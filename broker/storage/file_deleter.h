#pragma once
// Deferred removal of files and directories: retention renames segments to `*.deleted` and a
// deleted partition's directory to `*-delete`, then hands the paths here to be removed after
// file.delete.delay.ms, so readers still sending those bytes are not cut short.
//
// Thread-safety: all methods are thread-safe.
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace kb::storage {

class FileDeleter {
 public:
  void schedule(std::vector<std::string> paths, int64_t due_ms);
  // Removes everything due at `now_ms`; returns how many paths were removed.
  size_t run_due(int64_t now_ms);
  // Removes everything now (shutdown).
  size_t run_all();
  size_t pending() const;

 private:
  struct Item {
    std::string path;
    int64_t due_ms;
  };
  static void remove_path(const std::string& path);

  mutable std::mutex mu_;
  std::vector<Item> items_;  // guarded by mu_
};

}  // namespace kb::storage
