#include "common/file_handle.h"

#include <unistd.h>

namespace kb {

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace kb
