#pragma once
// The exclusive `.lock` file of a log directory: two brokers (or two LogManagers) must never use
// the same directory. The lock is an flock() on `<dir>/.lock`, released on destruction or when
// the process dies, so a crash never leaves a stale lock behind.
//
// Thread-safety: an instance is owned by one LogManager; no shared state.
#include <memory>
#include <string>

namespace kb::storage {

class DirLock {
 public:
  // Throws std::runtime_error when another holder has the lock or the file cannot be opened.
  explicit DirLock(const std::string& dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace kb::storage
