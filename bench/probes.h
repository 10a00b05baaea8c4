#pragma once
// Physical limits of this machine, measured in the same run as the broker figures.

#include <string>

namespace kb::bench {

// Zeros when the file could not be written.
struct DiskProbe {
  double page_cache_mb_s = 0;  // the same writes into the page cache, timed before fdatasync
  double write_mb_s = 0;       // sequential write + fdatasync
  double read_mb_s = 0;        // sequential read after dropping the file's pages (cold)
};

DiskProbe probe_disk(const char* dir, long megabytes);
inline DiskProbe probe_disk(const std::string& dir, long megabytes) {
  return probe_disk(dir.c_str(), megabytes);
}
// TCP over 127.0.0.1 between two threads, MB/s.
double probe_loopback(long megabytes);

}  // namespace kb::bench
