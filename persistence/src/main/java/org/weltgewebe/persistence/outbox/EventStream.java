package org.weltgewebe.persistence.outbox;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JetStream stream that distributes every persisted event, with the policies the requirement
 * fixes: file storage, events kept 30 days but at most 100 GiB, duplicates dropped within 72 h.
 *
 * <p>At the requirement's S4 volume (600M messages in 30 days) 100 GiB leaves about 179 bytes per
 * message, so the byte limit, not the age, decides how long events stay; old events are discarded
 * first. Subjects follow {@link OutboxMessage}.
 */
public final class EventStream {
  /** How long events stay at most. */
  public static final Duration MAX_AGE = Duration.ofDays(30);
  /** How many bytes the stream holds at most: 100 GiB. */
  public static final long MAX_BYTES = 100L * 1024 * 1024 * 1024;
  /** How long JetStream remembers a message id to drop a re-publish. */
  public static final Duration DUPLICATE_WINDOW = Duration.ofHours(72);
  /** Where the project's NATS configuration is, for operators who meet the error below. */
  public static final String SERVER_CONFIG_FILE = "nats/jetstream.conf";

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  private static final int STREAM_NOT_FOUND = 10059;
  private static final int INSUFFICIENT_RESOURCES = 10047;
  private static final int INSUFFICIENT_STORAGE = 10023;

  private EventStream() {}

  /** The configuration the stream must have. */
  public static StreamConfiguration requiredConfiguration(NatsSettings nats) {
    return StreamConfiguration.builder()
        .name(nats.stream())
        .description("Weltgewebe journal events, published by the outbox relay")
        .subjects(nats.allSubjects())
        .storageType(StorageType.File)
        .retentionPolicy(RetentionPolicy.Limits)
        .discardPolicy(DiscardPolicy.Old)
        .maxAge(MAX_AGE)
        .maxBytes(MAX_BYTES)
        .duplicateWindow(DUPLICATE_WINDOW)
        .replicas(1)
        .build();
  }

  /**
   * Creates the stream, or brings an existing one to the required policies; changes nothing when it
   * already has them. Every relay start calls it, so concurrent starts must be harmless: JetStream
   * answers a create of an identical stream with success.
   *
   * @throws IllegalStateException when the server refuses, naming the reason and the remedy
   */
  public static StreamInfo ensure(Connection connection, NatsSettings nats) throws IOException {
    JetStreamManagement jsm = connection.jetStreamManagement();
    StreamConfiguration required = requiredConfiguration(nats);
    try {
      StreamInfo existing;
      try {
        existing = jsm.getStreamInfo(nats.stream());
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
          throw e;
        }
        log.info("creating JetStream stream {} on {}", nats.stream(), nats.url());
        return jsm.addStream(required);
      }
      StreamConfiguration current = existing.getConfiguration();
      if (current.getStorageType() != StorageType.File) {
        throw new IllegalStateException(
            "JetStream stream " + nats.stream() + " on " + nats.url() + " uses " + current.getStorageType()
                + " storage; the requirement says file storage, and JetStream cannot change it in place:"
                + " delete the stream (it is refilled from the journal by `weltgewebe outbox repair`)");
      }
      if (hasRequiredPolicies(current, nats)) {
        return existing;
      }
      log.info("updating JetStream stream {} on {} to the required policies", nats.stream(), nats.url());
      return jsm.updateStream(required);
    } catch (JetStreamApiException e) {
      throw refused(nats, e);
    }
  }

  /** True when {@code config} has every policy the requirement fixes. */
  public static boolean hasRequiredPolicies(StreamConfiguration config, NatsSettings nats) {
    return config.getStorageType() == StorageType.File
        && config.getMaxAge().equals(MAX_AGE)
        && config.getMaxBytes() == MAX_BYTES
        && config.getDuplicateWindow().equals(DUPLICATE_WINDOW)
        && config.getRetentionPolicy() == RetentionPolicy.Limits
        && config.getDiscardPolicy() == DiscardPolicy.Old
        && config.getSubjects().equals(List.of(nats.allSubjects()));
  }

  private static IllegalStateException refused(NatsSettings nats, JetStreamApiException e) {
    String description = String.valueOf(e.getErrorDescription());
    if (e.getApiErrorCode() == INSUFFICIENT_RESOURCES
        || e.getApiErrorCode() == INSUFFICIENT_STORAGE
        || description.contains("insufficient storage")) {
      return new IllegalStateException(
          "NATS at " + nats.url() + " refused JetStream stream " + nats.stream() + " (" + description + "):"
              + " the server's JetStream max_file_store must allow max_bytes = 100 GiB ("
              + MAX_BYTES + " bytes). Start nats-server with the project's configuration "
              + SERVER_CONFIG_FILE + " (max_file_store: 16TB), e.g. by running nats/ensure-nats.",
          e);
    }
    return new IllegalStateException(
        "NATS at " + nats.url() + " refused JetStream stream " + nats.stream() + ": " + description, e);
  }
}
