package org.weltgewebe.persistence.readmodel;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;

/**
 * The streams the read side owns beside the event stream (live feeds, dead letters): kept on file,
 * bounded by age and size, oldest discarded first; created when missing, otherwise brought to the
 * policies given.
 */
final class ReadSideStreams {
  private static final int STREAM_NOT_FOUND = 10059;

  private ReadSideStreams() {}

  /** {@code stream}: name, description, subjects, age and size limits and duplicate window; the rest is set here. */
  static void ensure(Connection connection, StreamConfiguration.Builder stream) throws IOException, JetStreamApiException {
    JetStreamManagement jsm = connection.jetStreamManagement();
    StreamConfiguration required =
        stream.storageType(StorageType.File).retentionPolicy(RetentionPolicy.Limits).discardPolicy(DiscardPolicy.Old).build();
    try {
      jsm.getStreamInfo(required.getName());
      jsm.updateStream(required);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
        throw e;
      }
      jsm.addStream(required);
    }
  }
}
