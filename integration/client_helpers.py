"""What the integration tests do with real Kafka clients (confluent-kafka, kafka-python):
create and wait for topics, produce and record what was acknowledged, read everything back.
A mixin for harness.ClusterTestCase; it needs `self.bootstrap`."""

import time

def wait_until(predicate, timeout, what, interval=0.2):
    """Polls `predicate` until it returns a truthy value (returned) or raises AssertionError
    naming `what` and the last value after `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while True:
        try:
            last = predicate()
        except Exception as e:  # noqa: BLE001 - e.g. a broker still starting
            last = e
        else:
            if last:
                return last
        if time.time() > deadline:
            raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (
                timeout, what, last))
        time.sleep(interval)


class ClientHelpers:
    """Client-side helpers shared by the test cases."""

    def admin(self):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 3})

    def create_topic(self, name, partitions=1, replication=1, config=None, timeout=30):
        from confluent_kafka.admin import NewTopic
        # Keep the client referenced until the future resolves: destroying it fails the future.
        admin = self.admin()
        fs = admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=replication,
                      config=config or {})], request_timeout=timeout)
        fs[name].result(timeout=timeout)
        self.wait_for_topic(name, partitions)

    def wait_for_topic(self, name, partitions=None, timeout=30):
        """Waits until Metadata lists the topic with `partitions` partitions that all have a leader."""
        admin = self.admin()
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            md = admin.list_topics(timeout=10)
            t = md.topics.get(name)
            if t is not None and t.error is None:
                parts = t.partitions
                if (partitions is None or len(parts) == partitions) and parts and all(
                        p.leader >= 0 and p.error is None for p in parts.values()):
                    return md
                last = {p: (v.leader, v.error) for p, v in parts.items()}
            else:
                last = None if t is None else t.error
            time.sleep(0.3)
        self.fail("topic %s not ready with %s partitions within %ss (last: %s)" % (
            name, partitions, timeout, last))

    def produce_acked(self, topic, values, partition=None, acks="all", timeout=60):
        """Produces `values` with confluent-kafka; returns {(partition, offset): value} of the
        acknowledged ones and the list of delivery errors."""
        from confluent_kafka import Producer
        acked, failed = {}, []

        def on_delivery(err, msg):
            if err is None:
                acked[(msg.partition(), msg.offset())] = msg.value()
            else:
                failed.append(err)

        p = Producer({"bootstrap.servers": self.bootstrap, "acks": acks, "linger.ms": 5,
                      "message.timeout.ms": int(timeout * 1000), "log_level": 0})
        for v in values:
            if partition is None:
                p.produce(topic, v, on_delivery=on_delivery)
            else:
                p.produce(topic, v, partition=partition, on_delivery=on_delivery)
            p.poll(0)
        p.flush(timeout + 10)
        return acked, failed

    def metadata_partitions(self, topic, via=None):
        """{partition: (leader, replicas, isrs)} as one broker (default: any) reports it."""
        from confluent_kafka.admin import AdminClient
        admin = AdminClient({"bootstrap.servers": via.address if via else self.bootstrap,
                             "log_level": 0})
        md = admin.list_topics(topic=topic, timeout=10)
        t = md.topics.get(topic)
        if t is None or t.error is not None:
            return {}
        return {p: (v.leader, list(v.replicas), list(v.isrs)) for p, v in t.partitions.items()}

    def kafka_python_read(self, topic, count, timeout=60, **consumer_config):
        """Reads partition 0 of `topic` from the beginning with kafka-python (assign, no group)
        until `count` records arrived or `timeout` passed; returns them in offset order."""
        from kafka import KafkaConsumer, TopicPartition
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None,
                                 enable_auto_commit=False, **consumer_config)
        try:
            tp = TopicPartition(topic, 0)
            consumer.assign([tp])
            consumer.seek_to_beginning(tp)
            got = []
            deadline = time.time() + timeout
            while len(got) < count and time.time() < deadline:
                for recs in consumer.poll(timeout_ms=500).values():
                    got.extend(recs)
            return got
        finally:
            consumer.close()

    def wait_for_high_watermark(self, topic, partition, at_least, timeout=30):
        """Waits until the partition's high watermark reaches `at_least` (a new leader's high
        watermark catches up only once its followers have fetched from it)."""
        from confluent_kafka import Consumer, TopicPartition
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "harness-hw",
                      "log_level": 0})
        try:
            return wait_until(lambda: c.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=5)[1] >= at_least, timeout,
                "high watermark of %s-%d at %d" % (topic, partition, at_least))
        finally:
            c.close()

    def consume_all(self, topic, partitions, expected_count=None, timeout=60):
        """Reads partitions from the beginning (assign, no group commits) up to each partition's
        high watermark; returns a list of messages in (partition, offset) order."""
        from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "harness-reader",
                      "enable.auto.commit": False, "enable.auto.offset.store": False,
                      "enable.partition.eof": True, "log_level": 3})
        try:
            high = {}
            for p in partitions:
                lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=20)
                high[p] = hi
            c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
            out = []
            pending = {p for p in partitions if high[p] > 0}
            deadline = time.time() + timeout
            while pending and time.time() < deadline:
                m = c.poll(1.0)
                if m is None:
                    continue
                if m.error() is not None:
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        if m.offset() >= high.get(m.partition(), 0):
                            pending.discard(m.partition())
                        continue
                    raise AssertionError("consumer error: %s" % m.error())
                out.append(m)
                if m.offset() + 1 >= high[m.partition()]:
                    pending.discard(m.partition())
            if pending:
                self.fail("consume_all timed out; partitions still pending: %s (high %s, got %d)"
                          % (sorted(pending), high, len(out)))
            out.sort(key=lambda m: (m.partition(), m.offset()))
            if expected_count is not None:
                self.assertEqual(expected_count, len(out))
            return out
        finally:
            c.close()

    def assert_acked_consumed(self, topic, partitions, acked, timeout=90):
        """Acknowledged minus consumed must be empty. Waits first for each partition's high
        watermark to cover what was acknowledged there: a leader that just took over learns the
        high watermark from its followers' next fetches."""
        for p in partitions:
            offsets = [o for (q, o) in acked if q == p]
            if offsets:
                self.wait_for_high_watermark(topic, p, max(offsets) + 1, timeout=timeout)
        got = self.consume_all(topic, partitions, timeout=timeout)
        consumed = {(m.partition(), m.offset()): m.value() for m in got}
        lost = {k: v for k, v in acked.items() if consumed.get(k) != v}
        self.assertEqual({}, lost, "%d acknowledged records missing" % len(lost))
        return consumed

    def acked_lost_duplicated(self, topic, partitions, acked, timeout=90):
        """Like assert_acked_consumed but returns (lost, duplicates, consumed messages) instead of
        asserting, so a failure-mode test can report its numbers before it asserts."""
        for p in partitions:
            offsets = [o for (q, o) in acked if q == p]
            if offsets:
                try:
                    self.wait_for_high_watermark(topic, p, max(offsets) + 1, timeout=timeout)
                except AssertionError:
                    pass  # counted as lost below
        got = self.consume_all(topic, partitions, timeout=timeout)
        consumed = {(m.partition(), m.offset()): m.value() for m in got}
        lost = {k: v for k, v in acked.items() if consumed.get(k) != v}
        return lost, duplicates(got), got


class BackgroundProducer:
    """A confluent-kafka producer writing unique values (b"<prefix>-<n>") to `topic` from its own
    thread until stop(); records every acknowledged (partition, offset) -> value in `acked` and
    every delivery error in `failed`. Used by the failure-mode tests (acks=all by default)."""

    def __init__(self, bootstrap, topic, prefix="v", acks="all", config=None):
        import threading
        self.bootstrap, self.topic, self.prefix, self.acks = bootstrap, topic, prefix, acks
        self.config = dict(config or {})
        self.acked, self.failed = {}, []
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _run(self):
        from confluent_kafka import Producer

        def cb(err, msg):
            if err is None:
                self.acked[(msg.partition(), msg.offset())] = msg.value()
            else:
                self.failed.append(err)
        conf = {"bootstrap.servers": self.bootstrap, "acks": self.acks, "linger.ms": 5,
                "message.timeout.ms": 120000, "retries": 1000000, "retry.backoff.ms": 100,
                "log_level": 0}
        conf.update(self.config)
        p = Producer(conf)
        i = 0
        while not self._stop.is_set():
            try:
                p.produce(self.topic, b"%s-%07d" % (self.prefix.encode(), i), on_delivery=cb)
                i += 1
            except BufferError:
                pass
            p.poll(0.002)
        self.sent = i
        p.flush(150)

    def stop(self, timeout=200):
        self._stop.set()
        self._thread.join(timeout)

    def error_names(self):
        return sorted({e.name() for e in self.failed})


def duplicates(messages):
    """How many consumed records repeat a value already consumed (a producer retry that was
    written twice)."""
    seen, dups = set(), 0
    for m in messages:
        v = m.value()
        if v in seen:
            dups += 1
        seen.add(v)
    return dups
