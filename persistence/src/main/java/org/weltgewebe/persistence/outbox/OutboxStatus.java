package org.weltgewebe.persistence.outbox;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.StreamState;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.weltgewebe.persistence.DatabaseSettings;

/**
 * The outbox's figures at one moment, as plain values (the observability issue exports them to
 * Prometheus): what the stream holds, how far the relay's replication slot trails the WAL, how far
 * each durable consumer trails the stream, and how many days the stream's byte limit keeps events
 * at each scenario's volume, projected from the average message size the stream really holds.
 *
 * <p>The projection matters because at S4 the byte limit, not {@code max_age}, decides retention:
 * 20M events a day for 30 days are 600M messages, and {@link EventStream#MAX_BYTES} = 100 GiB leaves
 * about 179 bytes for each, subject and headers included.
 *
 * @param streamMessages messages the stream holds
 * @param streamBytes bytes the stream holds, as JetStream counts them against {@code max_bytes}
 *     (subject, headers, payload and its per-message record overhead)
 * @param slotLagBytes WAL bytes between the server's current position and the position the relay's
 *     slot has confirmed; empty while the slot does not exist (before the relay's first start has
 *     published the journal's existing events)
 * @param consumers every durable consumer of the stream, by name; ephemeral and ordered consumers
 *     (readers such as the reconciler) are left out
 * @param retention one projection per scenario; empty while the stream holds no message, as there
 *     is then no size to project from
 */
public record OutboxStatus(
    long streamMessages,
    long streamBytes,
    OptionalLong slotLagBytes,
    List<ConsumerStatus> consumers,
    List<Retention> retention) {

  /**
   * How much a durable consumer has still to do.
   *
   * @param numPending messages of the stream not yet delivered to it
   * @param numAckPending messages delivered and not yet acknowledged
   * @param numRedelivered messages delivered more than once and not yet acknowledged
   */
  public record ConsumerStatus(String name, long numPending, long numAckPending, long numRedelivered) {}

  /**
   * Event volumes the retention is projected for. S1 and S4 are the requirement's table (see
   * ../shared/SPEC.md); for S2 and S3 the requirement gives no number, so these are assumptions
   * until the scenario definitions (issue 5) fix them: S2 (growth, +50 % users with seasonal peaks)
   * 200k events a day, S3 (a Black-Friday rush at 2–3× base) 600k events a day.
   */
  public enum ScenarioVolume {
    S1(20_000),
    S2(200_000),
    S3(600_000),
    S4(20_000_000);

    private final long eventsPerDay;

    ScenarioVolume(long eventsPerDay) {
      this.eventsPerDay = eventsPerDay;
    }

    public long eventsPerDay() {
      return eventsPerDay;
    }
  }

  /** Which of the stream's limits removes events first. */
  public enum Limit {
    MAX_BYTES,
    MAX_AGE
  }

  /**
   * How long the stream keeps events at one scenario's volume.
   *
   * @param days days an event stays: the byte limit's days at the measured size, at most max_age
   * @param limitedBy the limit that decides
   * @param bytesPerMessageForMaxAge the size per message at which 100 GiB would last exactly
   *     max_age at this volume (S4: ~179 bytes)
   */
  public record Retention(ScenarioVolume scenario, double days, Limit limitedBy, double bytesPerMessageForMaxAge) {}

  public OutboxStatus {
    consumers = List.copyOf(consumers);
    retention = List.copyOf(retention);
  }

  /** Bytes per message the stream holds on average; 0 when it is empty. */
  public double averageMessageBytes() {
    return streamMessages == 0 ? 0 : (double) streamBytes / streamMessages;
  }

  /** The projection for one scenario, if the stream holds messages. */
  public Optional<Retention> retention(ScenarioVolume scenario) {
    return retention.stream().filter(r -> r.scenario() == scenario).findFirst();
  }

  /**
   * Reads the figures from the stream and consumers of {@code nats} and the slot of {@code outbox}.
   *
   * @throws IllegalStateException when NATS or PostgreSQL cannot be read, or the stream does not
   *     exist (the relay creates it at its start)
   */
  public static OutboxStatus read(DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
    OptionalLong slotLag = slotLagBytes(db, outbox.slot());
    try (Connection connection = nats.connect("weltgewebe-outbox-status")) {
      JetStreamManagement jsm = connection.jetStreamManagement();
      StreamState state = jsm.getStreamInfo(nats.stream()).getStreamState();
      List<ConsumerStatus> consumers = new ArrayList<>();
      for (ConsumerInfo info : jsm.getConsumers(nats.stream())) {
        if (info.getConsumerConfiguration().getDurable() != null) {
          consumers.add(
              new ConsumerStatus(info.getName(), info.getNumPending(), info.getNumAckPending(), info.getRedelivered()));
        }
      }
      consumers.sort(Comparator.comparing(ConsumerStatus::name));
      long messages = state.getMsgCount();
      long bytes = state.getByteCount();
      return new OutboxStatus(
          messages, bytes, slotLag, consumers, messages == 0 ? List.of() : project((double) bytes / messages));
    } catch (JetStreamApiException e) {
      throw new IllegalStateException(
          "cannot read JetStream stream " + nats.stream() + " on " + nats.url() + ": " + e.getErrorDescription(), e);
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach NATS at " + nats.url() + " to read the outbox status", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the outbox status", e);
    }
  }

  /** The retention of every scenario for messages of {@code averageMessageBytes} (> 0). */
  static List<Retention> project(double averageMessageBytes) {
    if (!(averageMessageBytes > 0)) {
      throw new IllegalArgumentException("average message size must be positive, not " + averageMessageBytes);
    }
    double maxAgeDays = EventStream.MAX_AGE.toDays();
    List<Retention> projections = new ArrayList<>();
    for (ScenarioVolume scenario : ScenarioVolume.values()) {
      double byteLimitDays = EventStream.MAX_BYTES / (averageMessageBytes * scenario.eventsPerDay());
      double budget = EventStream.MAX_BYTES / (maxAgeDays * scenario.eventsPerDay());
      projections.add(
          byteLimitDays < maxAgeDays
              ? new Retention(scenario, byteLimitDays, Limit.MAX_BYTES, budget)
              : new Retention(scenario, maxAgeDays, Limit.MAX_AGE, budget));
    }
    return projections;
  }

  private static OptionalLong slotLagBytes(DatabaseSettings db, String slot) {
    try (java.sql.Connection c = db.connect();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint"
                    + " FROM pg_replication_slots WHERE slot_name = ?")) {
      s.setString(1, slot);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return OptionalLong.empty();
        }
        long lag = rs.getLong(1);
        return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(lag);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read replication slot " + slot + " on " + db.url(), e);
    }
  }
}
