package org.weltgewebe.cluster;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.AccountStatistics;
import io.nats.client.api.ClusterInfo;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.ServerInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JetStream's figures, read through the JetStream API of the node's NATS connection and published
 * under the names and labels of the stock prometheus-nats-exporter ({@code jetstream_server_*},
 * {@code jetstream_stream_*}, {@code jetstream_consumer_*}; labels {@code server_id},
 * {@code server_name}, {@code cluster}, {@code stream_name}, {@code consumer_name}, …), so that
 * dashboards made for that exporter work unchanged. Like the exporter's, every one of them is a
 * gauge, also {@code jetstream_consumer_num_redelivered} (a current count, not a counter).
 *
 * <p>Two figures the exporter lacks carry our own prefix: the bytes a stream holds in memory
 * ({@code weltgewebe_jetstream_stream_memory_bytes}: its bytes when its storage is memory, else 0)
 * and the ack-wait expiries per consumer ({@code weltgewebe_jetstream_consumer_ack_wait_expired_total}).
 * JetStream announces no event per expiry (its MAX_DELIVERIES advisory comes only after the last
 * allowed delivery, and never with unlimited deliveries, as ours have), but every delivery advances
 * the consumer sequence and only a first delivery advances the stream sequence; so between two
 * polls, expiries = Δ delivered consumer sequence − Δ delivered stream sequence. That is exact for
 * a consumer that reads every message of its stream and never naks — as the read-model consumer
 * does — and a lower bound otherwise (a filter that skips messages, or deleted messages, advance the
 * stream sequence further).
 */
final class JetStreamMetrics {
  private final PolledInstruments figures;
  // Per stream and consumer: the delivered sequences of the last poll, and the expiries counted so far.
  private final Map<String, long[]> lastDelivered = new HashMap<>();
  private final Map<String, long[]> expiredTotals = new HashMap<>();

  JetStreamMetrics(PolledInstruments figures) {
    this.figures = figures;
  }

  /** Reads every stream and consumer of the connection's account once. */
  void poll(Connection connection) throws IOException, JetStreamApiException {
    JetStreamManagement jsm = connection.jetStreamManagement();
    ServerInfo server = connection.getServerInfo();
    AccountStatistics account = jsm.getAccountStatistics();
    String[] serverLabels = {
      "server_id", server.getServerId(),
      "server_name", server.getServerName(),
      "cluster", server.getCluster(),
      "domain", account.getDomain()
    };
    List<StreamInfo> streams = jsm.getStreams();
    long messages = 0;
    long bytes = 0;
    long consumers = 0;
    for (StreamInfo stream : streams) {
      StreamState state = stream.getStreamState();
      messages += state.getMsgCount();
      bytes += state.getByteCount();
      consumers += state.getConsumerCount();
      stream(server, serverLabels, stream, jsm);
    }
    figures.gauge("jetstream_server_total_streams", "Total number of streams in JetStream", streams.size(), serverLabels);
    figures.gauge("jetstream_server_total_consumers", "Total number of consumers in JetStream", consumers, serverLabels);
    figures.gauge("jetstream_server_total_messages", "Total number of stored messages in JetStream", messages, serverLabels);
    figures.gauge("jetstream_server_total_message_bytes", "Total number of bytes stored in JetStream", bytes, serverLabels);
  }

  private void stream(ServerInfo server, String[] serverLabels, StreamInfo stream, JetStreamManagement jsm)
      throws IOException, JetStreamApiException {
    String name = stream.getConfiguration().getName();
    StreamState state = stream.getStreamState();
    String[] labels = concat(serverLabels, leaderLabels("stream", server, stream.getClusterInfo()), "stream_name", name);
    figures.gauge("jetstream_stream_total_messages", "Total number of messages from a stream", state.getMsgCount(), labels);
    figures.gauge("jetstream_stream_total_bytes", "Total stored bytes from a stream", state.getByteCount(), labels);
    figures.gauge("jetstream_stream_first_seq", "First sequence from a stream", state.getFirstSequence(), labels);
    figures.gauge("jetstream_stream_last_seq", "Last sequence from a stream", state.getLastSequence(), labels);
    figures.gauge("jetstream_stream_consumer_count", "Total number of consumers from a stream", state.getConsumerCount(), labels);
    figures.gauge("jetstream_stream_subject_count", "Total number of subjects in a stream", state.getSubjectCount(), labels);
    figures.gauge(
        "jetstream_stream_limit_bytes",
        "The maximum configured storage limit (in bytes) for a JetStream stream. A value of -1 indicates no limit.",
        stream.getConfiguration().getMaxBytes(), labels);
    figures.gauge(
        "jetstream_stream_limit_messages",
        "The maximum number of messages allowed in a JetStream stream as per its configuration. A value of -1 indicates no limit.",
        stream.getConfiguration().getMaxMsgs(), labels);
    boolean inMemory = stream.getConfiguration().getStorageType() == StorageType.Memory;
    figures.gauge(
        "weltgewebe_jetstream_stream_memory_bytes",
        "Bytes a stream holds in memory: its stored bytes when its storage is memory, else 0",
        inMemory ? state.getByteCount() : 0, "stream_name", name);
    if (state.getConsumerCount() > 0) {
      List<ConsumerInfo> consumers;
      try {
        consumers = jsm.getConsumers(name);
      } catch (JetStreamApiException e) {
        return; // the stream went away since it was listed
      }
      for (ConsumerInfo consumer : consumers) {
        consumer(server, labels, name, consumer);
      }
    }
  }

  private void consumer(ServerInfo server, String[] streamLabels, String stream, ConsumerInfo consumer) {
    String description = consumer.getConsumerConfiguration().getDescription();
    String[] labels =
        concat(
            streamLabels,
            leaderLabels("consumer", server, consumer.getClusterInfo()),
            "consumer_name", consumer.getName(),
            "consumer_desc", description == null ? "" : description);
    long consumerSeq = consumer.getDelivered().getConsumerSequence();
    long streamSeq = consumer.getDelivered().getStreamSequence();
    figures.gauge("jetstream_consumer_delivered_consumer_seq", "Latest sequence number of a stream consumer", consumerSeq, labels);
    figures.gauge("jetstream_consumer_delivered_stream_seq", "Latest sequence number of a stream", streamSeq, labels);
    figures.gauge("jetstream_consumer_num_ack_pending", "Number of pending acks from a consumer", consumer.getNumAckPending(), labels);
    figures.gauge("jetstream_consumer_num_redelivered", "Number of redelivered messages from a consumer", consumer.getRedelivered(), labels);
    figures.gauge("jetstream_consumer_num_waiting", "Number of inflight fetch requests from a pull consumer", consumer.getNumWaiting(), labels);
    figures.gauge("jetstream_consumer_num_pending", "Number of pending messages from a consumer", consumer.getNumPending(), labels);
    figures.gauge(
        "jetstream_consumer_ack_floor_stream_seq", "Number of ack floor stream seq from a consumer",
        consumer.getAckFloor().getStreamSequence(), labels);
    figures.gauge(
        "jetstream_consumer_ack_floor_consumer_seq", "Number of ack floor consumer seq from a consumer",
        consumer.getAckFloor().getConsumerSequence(), labels);

    String key = stream + "\u0000" + consumer.getName();
    long[] last = lastDelivered.put(key, new long[] {consumerSeq, streamSeq});
    long expired = 0;
    if (last != null && consumerSeq >= last[0] && streamSeq >= last[1]) {
      expired = Math.max(0, (consumerSeq - last[0]) - (streamSeq - last[1]));
    }
    // Fed as a running total of our own, so that a consumer deleted and made again does not count twice.
    long[] total = expiredTotals.computeIfAbsent(key, k -> new long[1]);
    total[0] += expired;
    figures.counter(
        "weltgewebe_jetstream_consumer_ack_wait_expired",
        "Deliveries of a consumer that were redeliveries after the ack wait expired (derived from its sequences)",
        total[0], "stream_name", stream, "consumer_name", consumer.getName());
  }

  private static String[] leaderLabels(String kind, ServerInfo server, ClusterInfo cluster) {
    String leader = cluster == null || cluster.getLeader() == null ? server.getServerName() : cluster.getLeader();
    return new String[] {
      kind + "_leader", leader,
      "is_" + kind + "_leader", String.valueOf(leader.equals(server.getServerName()))
    };
  }

  private static String[] concat(String[] first, String[] second, String... more) {
    List<String> all = new ArrayList<>(Arrays.asList(first)); // values may be null: PolledInstruments drops those labels
    all.addAll(Arrays.asList(second));
    all.addAll(Arrays.asList(more));
    return all.toArray(String[]::new);
  }
}
