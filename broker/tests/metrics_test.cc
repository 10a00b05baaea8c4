// The Prometheus rendering of the broker's metrics, and the HTTP endpoint serving it.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <atomic>
#include <sstream>
#include <string>

#include "broker/metrics/broker_metrics.h"
#include "broker/metrics/metrics_http_server.h"

namespace kb::broker {
namespace {

TEST(BrokerMetricsTest, RendersEverySampleWithTheBrokerLabel) {
  BrokerMetricsSnapshot m;
  m.broker_id = 3;
  m.under_replicated_partitions = 2;
  m.isr_shrinks = 5;
  m.isr_expands = 4;
  m.active_controller_count = 1;
  m.offline_partitions = 7;
  m.cleaner_passes = 9;
  m.cleaner_records_removed = 11;
  const std::string text = render_prometheus(m);
  EXPECT_NE(text.find("kb_log_cleaner_passes_total{broker=\"3\"} 9\n"), std::string::npos);
  EXPECT_NE(text.find("kb_log_cleaner_records_removed_total{broker=\"3\"} 11\n"),
            std::string::npos);
  EXPECT_NE(text.find("kafka_server_replicamanager_underreplicatedpartitions{broker=\"3\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kafka_server_replicamanager_isrshrinks_total{broker=\"3\"} 5\n"),
            std::string::npos);
  EXPECT_NE(text.find("kafka_server_replicamanager_isrexpands_total{broker=\"3\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("kafka_controller_kafkacontroller_offlinepartitionscount{broker=\"3\"} 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE kafka_server_replicamanager_isrshrinks_total counter\n"),
            std::string::npos);
}

std::pair<int, std::string> get(uint16_t port, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& body = session.receiveResponse(response);
  std::ostringstream out;
  out << body.rdbuf();
  return {static_cast<int>(response.getStatus()), out.str()};
}

TEST(MetricsHttpServerTest, ServesTheRenderedTextOnMetricsOnly) {
  std::atomic<int> calls{0};
  MetricsHttpServer server("127.0.0.1", 0, [&calls] {
    return "sample " + std::to_string(++calls) + "\n";
  });
  ASSERT_NE(server.port(), 0);
  auto [status, body] = get(server.port(), "/metrics");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "sample 1\n");
  EXPECT_EQ(get(server.port(), "/metrics").second, "sample 2\n");  // rendered per request
  EXPECT_EQ(get(server.port(), "/other").first, 404);
  server.stop();
}

}  // namespace
}  // namespace kb::broker
