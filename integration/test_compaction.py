#!/usr/bin/env python3
"""Log compaction on a real broker: a topic with cleanup.policy=compact and small segments gets
many updates to a few keys plus tombstones; once the log cleaner has cleaned everything below the
active segment, reading from the beginning returns only the latest record of each key (young
tombstones included) at its original offset. The broker is then SIGKILLed while the cleaner works
on a second round of updates; after the restart nothing acknowledged that compaction may not
remove is missing, and no cleaner temporaries (.cleaned, .swap) are left."""

import glob
import os
import time

from confluent_kafka import KafkaError, Producer

import harness
from client_helpers import wait_until

KEYS = [b"key-%02d" % i for i in range(12)]
TOMBSTONED = KEYS[:3]


class CompactionTest(harness.ClusterTestCase):

    OVERRIDES = {
        "log.cleaner.backoff.ms": "100",
        "log.cleaner.threads": "1",
        "log.cleaner.dedupe.buffer.size": "4194304",
    }

    TOPIC_CONFIG = {
        "cleanup.policy": "compact",
        "segment.bytes": "2048",
        "min.cleanable.dirty.ratio": "0.01",
        "delete.retention.ms": "3600000",
        "file.delete.delay.ms": "1000",
    }

    # ---- helpers --------------------------------------------------------------------------

    def partition_dir(self, topic):
        return os.path.join(self.cluster.brokers[0].log_dir, "%s-0" % topic)

    def active_base(self, topic):
        bases = [int(os.path.basename(p)[:20])
                 for p in glob.glob(os.path.join(self.partition_dir(topic), "*.log"))]
        return max(bases)

    def cleaner_checkpoint(self, topic):
        path = os.path.join(self.cluster.brokers[0].log_dir, "cleaner-offset-checkpoint")
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except FileNotFoundError:
            return None
        for line in lines[2:]:
            fields = line.split()
            if len(fields) == 3 and fields[0] == topic and fields[1] == "0":
                return int(fields[2])
        return None

    def produce_updates(self, topic, rounds, tag, tombstones=True):
        """`rounds` updates of every key (lz4 batches), then tombstones for TOMBSTONED; returns
        {offset: (key, value)} of everything acknowledged."""
        acked, failed = {}, []

        def on_delivery(err, msg):
            if err is None:
                acked[msg.offset()] = (msg.key(), msg.value())
            else:
                failed.append(err)

        # Small batches (a produce request must fit in segment.bytes) of poorly compressible
        # values, so the log spans many segments.
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "linger.ms": 2,
                      "batch.size": 1024, "compression.type": "lz4", "log_level": 0})
        for r in range(rounds):
            for k in KEYS:
                value = b"%s-%s-round-%03d-%s" % (k, tag, r, os.urandom(16).hex().encode())
                p.produce(topic, key=k, value=value, on_delivery=on_delivery)
            p.poll(0)
        if tombstones:
            for k in TOMBSTONED:
                p.produce(topic, key=k, value=None, on_delivery=on_delivery)
        self.assertEqual(0, p.flush(60))
        self.assertEqual([], failed)
        return acked

    def read_back(self, topic):
        return {m.offset(): (m.key(), m.value()) for m in self.consume_all(topic, [0])}

    @staticmethod
    def latest_per_key(acked):
        latest = {}
        for off in sorted(acked):
            latest[acked[off][0]] = off
        return latest

    def wait_cleaned_to_active_segment(self, topic, timeout=60):
        # Only appends roll segments, so once production stops the active base stays put and the
        # cleaner (ratio > 0.01) cleans everything below it.
        return wait_until(lambda: self.cleaner_checkpoint(topic) == self.active_base(topic),
                          timeout, "the cleaner checkpoint of %s to reach the active segment" % topic)

    def assert_compacted(self, acked, got, active_base):
        latest = self.latest_per_key(acked)
        # Every record read is an acknowledged one, at its original offset.
        for off, kv in got.items():
            self.assertEqual(acked.get(off), kv, "offset %d" % off)
        # The latest record of every key (young tombstones included) is still there.
        for key, off in latest.items():
            self.assertIn(off, got, "latest record of %s at %d is gone" % (key, off))
        # Below the active segment (all cleaned) only the latest record of each key there remains
        # (the active segment is never cleaned, so it does not count as newer).
        below = [off for off in got if off < active_base]
        latest_below = self.latest_per_key({o: kv for o, kv in acked.items() if o < active_base})
        self.assertEqual(sorted(below), sorted(latest_below.values()))
        return latest

    # ---- tests ----------------------------------------------------------------------------

    def test_compaction_keeps_latest_per_key_and_survives_sigkill(self):
        topic = self.unique_topic("compact")
        self.create_topic(topic, partitions=1, config=self.TOPIC_CONFIG)
        acked = self.produce_updates(topic, rounds=40, tag=b"a")
        produced = len(acked)
        segments_before = len(glob.glob(os.path.join(self.partition_dir(topic), "*.log")))
        self.assertGreater(segments_before, 5)

        self.wait_cleaned_to_active_segment(topic)
        got = self.read_back(topic)
        active = self.active_base(topic)
        harness.log("produced %d records, %d remain after compaction (active segment at %d)"
                    % (produced, len(got), active))
        self.assertLess(len(got), produced / 4)
        latest = self.assert_compacted(acked, got, active)
        for k in TOMBSTONED:  # young tombstones (delete.retention.ms not reached) stay
            self.assertIsNone(got[latest[k]][1], "tombstone of %s" % k)
        log_text = open(self.cluster.brokers[0].log_file, encoding="utf-8",
                        errors="replace").read()
        self.assertIn("Log %s-0 cleaned up to offset" % topic, log_text)
        metrics = self.cluster.brokers[0].metrics()
        self.assertGreater(metrics["kb_log_cleaner_passes_total"], 0)
        self.assertGreaterEqual(metrics["kb_log_cleaner_records_removed_total"],
                                produced - len(got))

        # Keyless records are refused on a compacted topic (CORRUPT_MESSAGE, Kafka 2.4).
        errors = []
        p = Producer({"bootstrap.servers": self.bootstrap, "acks": "all", "retries": 0,
                      "message.timeout.ms": 10000, "log_level": 0})
        p.produce(topic, value=b"no key", on_delivery=lambda err, msg: errors.append(err))
        p.flush(30)
        self.assertEqual(1, len(errors))
        self.assertIsNotNone(errors[0])
        harness.log("keyless produce answered %s" % errors[0])

        # Round two, then SIGKILL as soon as the cleaner starts on it.
        broker = self.cluster.brokers[0]
        with open(broker.log_file, "rb") as f:
            f.seek(0, os.SEEK_END)
            log_pos = f.tell()
        acked.update(self.produce_updates(topic, rounds=60, tag=b"b", tombstones=False))
        begin = "Beginning cleaning of log %s-0" % topic
        deadline = time.time() + 60
        seen = ""
        while time.time() < deadline:
            with open(broker.log_file, "rb") as f:
                f.seek(log_pos)
                seen = f.read().decode(errors="replace")
            if begin in seen:
                break
            time.sleep(0.002)
        self.assertIn(begin, seen)
        broker.kill()
        with open(broker.log_file, "rb") as f:
            f.seek(log_pos)
            seen = f.read().decode(errors="replace")
        mid_clean = seen.count(begin) > seen.count("Log %s-0 cleaned up to" % topic)
        leftovers = [os.path.basename(p) for p in os.listdir(self.partition_dir(topic))
                     if p.endswith(".cleaned") or p.endswith(".swap")]
        harness.log("killed %s the cleaning pass; temporaries on disk: %s"
                    % ("during" if mid_clean else "after", leftovers))

        broker.start()
        self.cluster.wait_ready([broker], timeout=60)
        self.wait_for_topic(topic, 1)
        with open(broker.log_file, "rb") as f:
            f.seek(log_pos)
            restart_log = f.read().decode(errors="replace").split("harness: start #2", 1)[1]
        # Loading dealt with whatever the kill left: .cleaned deleted, a .log.swap completed.
        for name in leftovers:
            if name.endswith(".log.swap"):
                self.assertIn("Completed the interrupted cleaner swap of segment %d"
                              % int(name[:20]), restart_log)
            else:
                self.assertIn("Removing leftover file %s"
                              % os.path.join(self.partition_dir(topic), name), restart_log)
        # After the restart the cleaner finishes the job; nothing it may not remove is gone.
        self.wait_cleaned_to_active_segment(topic)
        # The pass is over (the checkpoint is written after its swaps): no temporaries remain.
        for name in os.listdir(self.partition_dir(topic)):
            self.assertFalse(name.endswith(".cleaned") or name.endswith(".swap"), name)
        got = self.read_back(topic)
        self.assert_compacted(acked, got, self.active_base(topic))
        # Appends go on from the old end offset.
        more = self.produce_updates(topic, rounds=1, tag=b"c", tombstones=False)
        self.assertEqual(max(acked) + 1, min(more))


if __name__ == "__main__":
    harness.main()
