#pragma once
// The client library's errors: one table of human-readable messages, one per Kafka error code
// (Kafka's own wording from its Errors table), and the two exception types every client call
// may throw.
//
// Thread-safety: pure functions and immutable exception objects; safe from any thread.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/error_code.h"

namespace kb::clients {

// Kafka's one-sentence description of `code` ("This server does not host this
// topic-partition."). An unlisted code yields "Unknown error code <n>.".
std::string error_message(ErrorCode code);

// The text to show for an error a broker returned: the broker's own message when it sent one
// (it is more specific: "Topic 't' already exists."), else the table's.
std::string describe_error(ErrorCode code, const std::optional<std::string>& server_message);

// A broker answered with an error code (or the client detected a protocol-level problem that
// Kafka reports with one, e.g. UNSUPPORTED_VERSION when no version is shared).
class ClientError : public std::runtime_error {
 public:
  ClientError(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  explicit ClientError(ErrorCode code) : ClientError(code, error_message(code)) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// No broker could be reached, or one stopped answering, within the configured time.
class NetworkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kb::clients
