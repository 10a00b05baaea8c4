#!/usr/bin/env python3
"""A broker SIGKILLed while a producer writes with acks=all restarts, recovers its log, and every
acknowledged record is consumed afterwards (acked minus consumed must be empty)."""

import time

from confluent_kafka import Producer

import harness


class BrokerKillTest(harness.ClusterTestCase):

    def test_sigkill_during_acks_all_produce(self):
        topic = self.unique_topic("kill")
        self.create_topic(topic, partitions=3)
        broker = self.cluster.brokers[0]

        acked = {}    # (partition, offset) -> value
        failed = []

        def on_delivery(err, msg):
            if err is None:
                acked[(msg.partition(), msg.offset())] = msg.value()
            else:
                failed.append((err, msg.value()))

        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "linger.ms": 2,
                      "message.timeout.ms": 90000, "retries": 1000000,
                      "retry.backoff.ms": 200, "reconnect.backoff.max.ms": 1000,
                      "log_level": 0})
        # Time-driven: ~2 s of writes, SIGKILL, ~3 s of writes while the broker is down (they
        # queue in the producer), restart, ~2 s more; then flush everything.
        kill_after, restart_after, stop_after = 2.0, 5.0, 7.0
        start = time.time()
        killed = restarted = False
        i = 0
        while True:
            elapsed = time.time() - start
            if elapsed >= stop_after:
                break
            if not killed and elapsed >= kill_after:
                self.assertTrue(acked, "nothing acknowledged before the kill")
                acked_at_kill = len(acked)
                broker.kill()
                killed = True
            if killed and not restarted and elapsed >= restart_after:
                broker.start()
                restarted = True
            for _ in range(10):
                p.produce(topic, b"kill-test-%06d" % i, on_delivery=on_delivery)
                i += 1
            p.poll(0.01)
        remaining = p.flush(120)
        self.cluster.wait_ready([broker], timeout=60)
        harness.log("produced %d, acked %d (%d when killed), failed %d, still queued %d"
                    % (i, len(acked), acked_at_kill, len(failed), remaining))
        self.assertEqual(0, remaining)
        # After the restart the producer's retries succeed: nearly everything is acknowledged.
        self.assertGreater(len(acked), i // 2, "failures: %s" % failed[:5])

        got = self.consume_all(topic, [0, 1, 2], timeout=90)
        consumed = {(m.partition(), m.offset()): m.value() for m in got}
        missing = {k: v for k, v in acked.items() if k not in consumed}
        self.assertEqual({}, dict(list(missing.items())[:20]),
                         "%d acknowledged records were not consumed" % len(missing))
        changed = {k: (v, consumed[k]) for k, v in acked.items() if consumed[k] != v}
        self.assertEqual({}, dict(list(changed.items())[:20]),
                         "acknowledged offsets now hold different values")

    def test_restart_after_sigkill_keeps_flushed_data(self):
        topic = self.unique_topic("kill-idle")
        self.create_topic(topic, partitions=1)
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "log_level": 3})
        for i in range(100):
            p.produce(topic, b"idle-%d" % i, partition=0)
        self.assertEqual(0, p.flush(30))
        broker = self.cluster.brokers[0]
        broker.kill()
        broker.start()
        self.cluster.wait_ready([broker], timeout=60)
        self.wait_for_topic(topic, 1)
        got = self.consume_all(topic, [0], expected_count=100)
        self.assertEqual([b"idle-%d" % i for i in range(100)], [m.value() for m in got])
        # New appends continue after the recovered end of the log.
        reports = []
        p2 = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "log_level": 3})
        p2.produce(topic, b"after-restart", partition=0,
                   on_delivery=lambda err, msg: reports.append((err, msg.offset())))
        self.assertEqual(0, p2.flush(30))
        self.assertEqual([(None, 100)], reports)


if __name__ == "__main__":
    harness.main()
