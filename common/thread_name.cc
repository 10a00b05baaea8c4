#include "common/thread_name.h"

#include <pthread.h>

namespace kb {

void set_current_thread_name(const std::string& name) {
  // pthread_setname_np fails with ERANGE beyond 15 characters instead of truncating.
  std::string cut = name.substr(0, 15);
  pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace kb
