package org.weltgewebe.http.auth;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.weltgewebe.persistence.outbox.NatsSettings;

/**
 * Revocations shared by every node of the cluster through a JetStream key-value bucket,
 * {@code <events stream>_REVOKED}: key {@code token.<jti>} for one token (a logout), key
 * {@code role.<role id>} for every token of a role issued up to a moment (left or forgotten), the
 * value the epoch second it stands for.
 *
 * <p>Each node watches the whole bucket and keeps a local copy ({@link LocalTokenRevocations}), so
 * {@link #isRevoked} is a memory read on the hot path; a revocation written on one node reaches the
 * others as a push, typically within milliseconds (the test requires under one second). A revocation
 * is written to the local copy first, so the node that revoked refuses at once. The bucket's entries
 * expire after a token's lifetime plus the allowed skew: by then no token they concern is valid.
 *
 * <p>Why not replicate through the cluster (Pekko distributed data)? The revocation must outlive the
 * node that took it and reach nodes that join later; JetStream already holds the platform's durable
 * streams, and a watcher replays the bucket to a starting node before it serves.
 */
public final class JetStreamTokenRevocations implements TokenRevocations, AutoCloseable {
  private static final Pattern KEY_SAFE = Pattern.compile("[A-Za-z0-9_=-]{1,128}");
  private static final Duration CATCH_UP = Duration.ofSeconds(10);

  private final Connection connection;
  private final KeyValue bucket;
  private final LocalTokenRevocations local;
  private final AutoCloseable watch;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  private JetStreamTokenRevocations(Connection connection, KeyValue bucket, LocalTokenRevocations local)
      throws IOException, JetStreamApiException, InterruptedException {
    this.connection = connection;
    this.bucket = bucket;
    this.local = local;
    CountDownLatch caughtUp = new CountDownLatch(1);
    this.watch = bucket.watchAll(new KeyValueWatcher() {
      @Override
      public void watch(KeyValueEntry entry) {
        if (entry.getOperation() == KeyValueOperation.PUT && apply(entry.getKey(), entry.getValue())) {
          listeners.forEach(Runnable::run);
        }
      }

      @Override
      public void endOfData() {
        caughtUp.countDown();
      }
    });
    if (!caughtUp.await(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IOException("the revocation bucket " + bucket.getBucketName() + " did not replay within " + CATCH_UP);
    }
  }

  /** The bucket's name beside the events stream of {@code nats}. */
  static String bucketName(NatsSettings nats) {
    return nats.stream() + "_REVOKED";
  }

  /**
   * Connects, creates the bucket if needed (entries live {@code tokenLifetime} + {@code skew}), and
   * returns once the node's copy holds every revocation in the bucket.
   */
  public static JetStreamTokenRevocations open(NatsSettings nats, Clock clock, Duration tokenLifetime, Duration skew)
      throws IOException, InterruptedException, JetStreamApiException {
    Connection connection = nats.connect("weltgewebe-revocations");
    try {
      KeyValueManagement management = connection.keyValueManagement();
      KeyValueConfiguration config = KeyValueConfiguration.builder()
          .name(bucketName(nats))
          .description("revoked access tokens and roles, for every node")
          .storageType(StorageType.File)
          .maxHistoryPerKey(1)
          .ttl(tokenLifetime.plus(skew).plusMinutes(1))
          .build();
      try {
        management.getStatus(bucketName(nats));
      } catch (JetStreamApiException missing) {
        management.create(config);
      }
      return new JetStreamTokenRevocations(
          connection, connection.keyValue(bucketName(nats)), new LocalTokenRevocations(clock, tokenLifetime, skew));
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  @Override
  public boolean isRevoked(String tokenId, String roleId, Instant issuedAt) {
    return local.isRevoked(tokenId, roleId, issuedAt);
  }

  @Override
  public void revoke(String tokenId, Instant expiresAt) {
    local.revoke(tokenId, expiresAt);
    put("token." + safe(tokenId), expiresAt);
    listeners.forEach(Runnable::run);
  }

  @Override
  public void revokeRole(String roleId, Instant upTo) {
    local.revokeRole(roleId, upTo);
    put("role." + safe(roleId), upTo);
    listeners.forEach(Runnable::run);
  }

  @Override
  public void onRevocation(Runnable listener) {
    listeners.add(listener);
  }

  private void put(String key, Instant at) {
    try {
      bucket.put(key, Long.toString(at.getEpochSecond()).getBytes(StandardCharsets.US_ASCII));
    } catch (IOException | JetStreamApiException e) {
      // The revoking node refuses the token already; the others would not: say so to the caller.
      throw new IllegalStateException("the revocation could not be shared with the other nodes: " + e.getMessage(), e);
    }
  }

  /** Applies a bucket entry to the local copy; answers whether it was one. */
  private boolean apply(String key, byte[] value) {
    Instant at;
    try {
      at = Instant.ofEpochSecond(Long.parseLong(new String(value, StandardCharsets.US_ASCII)));
    } catch (NumberFormatException e) {
      return false;
    }
    if (key.startsWith("token.")) {
      local.revoke(key.substring("token.".length()), at);
      return true;
    }
    if (key.startsWith("role.")) {
      local.revokeRole(key.substring("role.".length()), at);
      return true;
    }
    return false;
  }

  /** A key part as NATS allows it: ids are UUIDs, anything else is refused rather than mangled. */
  private static String safe(String id) {
    if (!KEY_SAFE.matcher(id).matches()) {
      throw new IllegalArgumentException("an id to revoke must be 1 to 128 letters, digits, '_', '=' or '-': " + id);
    }
    return id;
  }

  @Override
  public void close() throws Exception {
    watch.close();
    connection.close();
  }
}
