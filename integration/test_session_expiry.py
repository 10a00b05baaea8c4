#!/usr/bin/env python3
"""A broker paused (SIGSTOP) longer than its ZooKeeper session timeout loses its session and its
ephemeral registration; after SIGCONT it opens a new session, registers again, and keeps serving
the data it had and new writes."""

import os
import time

from confluent_kafka import Producer

import harness

# Long enough that a broker restarted right after SIGKILL registers before its previous session
# expires: startup recovers ~50 partitions first, which took 6 s once under CI's load (6000 here
# then let the old session lapse and the test never saw the broker wait for it).
SESSION_TIMEOUT_MS = 15000


class SessionExpiryTest(harness.ClusterTestCase):
    OVERRIDES = {"zookeeper.session.timeout.ms": str(SESSION_TIMEOUT_MS)}

    def produce(self, topic, values):
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all",
                      "message.timeout.ms": 60000, "log_level": 3})
        for v in values:
            p.produce(topic, v, partition=0)
        self.assertEqual(0, p.flush(60))

    def test_broker_reregisters_after_session_expiry(self):
        topic = self.unique_topic("expiry")
        self.create_topic(topic, partitions=1)
        before = [b"before-%d" % i for i in range(20)]
        self.produce(topic, before)
        broker = self.cluster.brokers[0]
        with open(broker.log_file, "rb") as f:
            registrations_before = f.read().count(b"Registered broker")

        broker.pause()
        time.sleep(SESSION_TIMEOUT_MS / 1000.0 + 5)  # ZooKeeper expires the session meanwhile
        broker.resume()

        deadline = time.time() + 60
        log_text = b""
        while time.time() < deadline:
            with open(broker.log_file, "rb") as f:
                log_text = f.read()
            if b"Re-registered broker" in log_text:
                break
            time.sleep(0.5)
        self.assertIn(b"ZooKeeper session expired", log_text)
        self.assertIn(b"Re-registered broker", log_text)
        self.assertGreaterEqual(log_text.count(b"Registered broker"), registrations_before)

        # The broker is whole again: it leads the partition, old data is there, new writes land.
        self.wait_for_topic(topic, 1, timeout=60)
        after = [b"after-%d" % i for i in range(20)]
        self.produce(topic, after)
        got = self.consume_all(topic, [0], timeout=60)
        self.assertEqual(before + after, [m.value() for m in got])

    def test_session_expiring_during_startup_registration_is_not_fatal(self):
        """Restarted right after SIGKILL, the broker waits for its previous session to expire
        before registering; paused meanwhile past the timeout, its new session expires too. It
        must open another session and register, not exit."""
        broker = self.cluster.brokers[0]
        zk = self.cluster.zk_client()
        broker.kill()
        broker.start()
        harness.wait_until(lambda: b"waiting up to" in open(broker.log_file, "rb").read(), 30,
                           "the restarted broker waiting for its previous session")
        broker.pause()
        time.sleep(SESSION_TIMEOUT_MS / 1000.0 + 5)
        broker.resume()
        harness.wait_until(lambda: zk.exists("/brokers/ids/%d" % broker.broker_id), 60,
                           "the broker registered with a new session")
        self.assertTrue(broker.is_running(), broker.log_tail())
        self.cluster.wait_ready([broker], timeout=60)


if __name__ == "__main__":
    harness.main()
