#pragma once
// The latency percentiles every benchmark tool reports.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace kb::bench {

// The value at fraction `p` (0..1) of the sorted samples; 0 when there are none.
inline double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  return samples[std::min(samples.size() - 1, static_cast<size_t>(p * samples.size()))];
}

}  // namespace kb::bench
