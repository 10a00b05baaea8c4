#!/usr/bin/env python3
"""Kafka's replication system test, shortened: 3 brokers, 3 partitions with replication factor 3,
min.insync.replicas 2, a producer at acks=all writing the whole time while the test bounces the
current leader of partition 0 (clean: SIGTERM, hard: SIGKILL) and the current controller, each
time waiting for full ISRs again. Afterwards acknowledged minus consumed must be empty."""

import threading
import time

from confluent_kafka import Producer

import harness


class BounceLeadersTest(harness.ClusterTestCase):
    NUM_BROKERS = 3
    OVERRIDES = {"default.replication.factor": "3", "min.insync.replicas": "2",
                 "replica.lag.time.max.ms": "5000", "zookeeper.session.timeout.ms": "6000",
                 "auto.leader.rebalance.enable": "false"}

    def full_isrs(self, topic):
        return all(len(self.cluster.partition_state(topic, p)["isr"]) == 3 for p in range(3))

    def test_bounces_lose_no_acknowledged_record(self):
        topic = self.unique_topic("bounce")
        self.create_topic(topic, partitions=3, replication=3)
        harness.wait_until(lambda: self.full_isrs(topic), 30, "full ISRs")
        acked, failed = {}, []
        stop = threading.Event()

        def produce():
            def cb(err, msg):
                if err is None:
                    acked[(msg.partition(), msg.offset())] = msg.value()
                else:
                    failed.append(err)
            p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "linger.ms": 5,
                          "message.timeout.ms": 120000, "retries": 1000000,
                          "retry.backoff.ms": 100, "log_level": 0})
            i = 0
            while not stop.is_set():
                p.produce(topic, b"v-%07d" % i, on_delivery=cb)
                i += 1
                p.poll(0.002)
            p.flush(150)

        writer = threading.Thread(target=produce)
        writer.start()
        rounds = [("leader", "clean"), ("leader", "hard"), ("controller", "clean"),
                  ("leader", "hard"), ("controller", "hard")]
        try:
            for target, mode in rounds:
                time.sleep(2)
                victim_id = (self.cluster.partition_state(topic, 0)["leader"] if target == "leader"
                             else self.cluster.controller_id())
                victim = self.cluster.broker(victim_id)
                before = len(acked)
                harness.log("bounce %s (%s) broker %d, %d acked so far" % (
                    target, mode, victim_id, before))
                if mode == "clean":
                    victim.stop()
                else:
                    victim.kill()
                time.sleep(1)
                victim.start()
                self.cluster.wait_ready([victim], timeout=90)
                harness.wait_until(lambda: self.full_isrs(topic), 90, "full ISRs after the bounce")
        finally:
            stop.set()
            writer.join(200)
        harness.log("acked %d, failed %d (%s)" % (
            len(acked), len(failed), sorted({e.name() for e in failed})))
        self.assertGreater(len(acked), 1000)
        self.assert_acked_consumed(topic, [0, 1, 2], acked, timeout=120)


if __name__ == "__main__":
    harness.main()
