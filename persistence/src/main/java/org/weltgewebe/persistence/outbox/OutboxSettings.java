package org.weltgewebe.persistence.outbox;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.regex.Pattern;

/** How the outbox relay and the reconciler work: the {@code weltgewebe.outbox} section. */
public record OutboxSettings(
    String slot,
    int maxInFlight,
    Duration publishTimeout,
    Duration maxBackoff,
    int reconcileRange,
    Duration reconcileSettle,
    int reconcileScanPerSecond) {
  /** The publication that migration V2 creates on event_journal. */
  static final String PUBLICATION = "weltgewebe_outbox";

  // PostgreSQL accepts only lower-case letters, digits and underscores in slot names.
  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

  public OutboxSettings {
    if (slot == null || !SLOT_NAME.matcher(slot).matches()) {
      throw new IllegalArgumentException(
          "weltgewebe.outbox.slot '" + slot + "' is not a replication slot name (1-63 of a-z, 0-9 and _)");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("weltgewebe.outbox.max-in-flight must be at least 1, not " + maxInFlight);
    }
    requirePositive("publish-timeout", publishTimeout);
    requirePositive("max-backoff", maxBackoff);
    if (reconcileRange < 1) {
      throw new IllegalArgumentException("weltgewebe.outbox.reconcile-range must be at least 1, not " + reconcileRange);
    }
    if (reconcileSettle == null || reconcileSettle.isNegative()) {
      throw new IllegalArgumentException("weltgewebe.outbox.reconcile-settle must not be negative");
    }
    if (reconcileScanPerSecond < 0) {
      throw new IllegalArgumentException(
          "weltgewebe.outbox.reconcile-scan-per-second must be 0 (unpaced) or more, not " + reconcileScanPerSecond);
    }
  }

  /** Reads {@code weltgewebe.outbox}. */
  public static OutboxSettings fromConfig(Config config) {
    Config outbox = config.getConfig("weltgewebe.outbox");
    return new OutboxSettings(
        outbox.getString("slot"),
        outbox.getInt("max-in-flight"),
        outbox.getDuration("publish-timeout"),
        outbox.getDuration("max-backoff"),
        outbox.getInt("reconcile-range"),
        outbox.getDuration("reconcile-settle"),
        outbox.getInt("reconcile-scan-per-second"));
  }

  /** The same settings reading through another replication slot. */
  public OutboxSettings withSlot(String otherSlot) {
    return new OutboxSettings(otherSlot, maxInFlight, publishTimeout, maxBackoff, reconcileRange, reconcileSettle, reconcileScanPerSecond);
  }

  /** The same settings with another settle time for the reconciler. */
  public OutboxSettings withReconcileSettle(Duration settle) {
    return new OutboxSettings(slot, maxInFlight, publishTimeout, maxBackoff, reconcileRange, settle, reconcileScanPerSecond);
  }

  private static void requirePositive(String key, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("weltgewebe.outbox." + key + " must be positive");
    }
  }
}
