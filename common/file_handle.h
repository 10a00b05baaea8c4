#pragma once
// An open file descriptor shared by whoever still needs the bytes behind it. A fetch response
// that will `sendfile` a segment range holds one, so retention may unlink the segment meanwhile
// without the descriptor closing under the network thread.
#include <cstdint>
#include <memory>
#include <string>

namespace kb {

class FileHandle {
 public:
  explicit FileHandle(int fd, std::string path = {}) : fd_(fd), path_(std::move(path)) {}
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

// A byte range of a file: what a fetch sends without copying through user space.
struct FileSlice {
  std::shared_ptr<const FileHandle> file;
  uint64_t position = 0;
  uint32_t size = 0;
};

}  // namespace kb
