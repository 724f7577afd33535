package org.weltgewebe.http.auth;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 *
 * <p>The connection does not reconnect by itself ({@link NatsSettings#connect}): when it is lost (a
 * NATS restart) the node opens a new one in the background, retrying every {@link #RETRY_EVERY}, and
 * its new watch replays the whole bucket, so the revocations written elsewhere meanwhile reach the
 * local copy too. Before, the node kept the dead connection: every later logout answered 500 and
 * revocations from other nodes never arrived (seen in a fault run's nats-restart).
 */
public final class JetStreamTokenRevocations implements TokenRevocations, AutoCloseable {
  private static final Pattern KEY_SAFE = Pattern.compile("[A-Za-z0-9_=-]{1,128}");
  private static final Duration CATCH_UP = Duration.ofSeconds(10);
  static final Duration RETRY_EVERY = Duration.ofSeconds(1);

  private final NatsSettings nats;
  private final LocalTokenRevocations local;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "revocations-reconnect");
    t.setDaemon(true);
    return t;
  });
  private volatile Watch watch;
  private volatile boolean closed;

  /** One connection's watch of the bucket, and the bucket to write through it. */
  private record Watch(Connection connection, KeyValue bucket, AutoCloseable watcher) {
    boolean alive() {
      return connection.getStatus() == Connection.Status.CONNECTED;
    }

    void closeWatcher() {
      try {
        watcher.close();
      } catch (Exception e) {
        // the connection is going anyway
      }
    }

    void close() {
      closeWatcher();
      try {
        connection.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private JetStreamTokenRevocations(NatsSettings nats, LocalTokenRevocations local) {
    this.nats = nats;
    this.local = local;
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
    JetStreamTokenRevocations revocations = new JetStreamTokenRevocations(nats, new LocalTokenRevocations(clock, tokenLifetime, skew));
    Connection connection = nats.connect("weltgewebe-revocations", revocations.lossListener());
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
      revocations.watch = revocations.watch(connection);
      return revocations;
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      connection.close();
      revocations.reconnects.shutdownNow();
      throw e;
    }
  }

  /** Watches the whole bucket on {@code connection}; returns once its entries so far are in the local copy. */
  private Watch watch(Connection connection) throws IOException, JetStreamApiException, InterruptedException {
    KeyValue bucket = connection.keyValue(bucketName(nats));
    CountDownLatch caughtUp = new CountDownLatch(1);
    AutoCloseable watcher = bucket.watchAll(new KeyValueWatcher() {
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
      new Watch(connection, bucket, watcher).closeWatcher();
      throw new IOException("the revocation bucket " + bucket.getBucketName() + " did not replay within " + CATCH_UP);
    }
    return new Watch(connection, bucket, watcher);
  }

  // jnats calls this on its own thread; the new connection is opened on ours
  private ConnectionListener lossListener() {
    return (connection, event) -> {
      if (event == ConnectionListener.Events.DISCONNECTED || event == ConnectionListener.Events.CLOSED) {
        scheduleReconnect(Duration.ZERO);
      }
    };
  }

  // reconnect() catches its own failures and schedules the next try: nothing to read from the future
  @SuppressWarnings("FutureReturnValueIgnored")
  private void scheduleReconnect(Duration after) {
    if (!closed) {
      try {
        reconnects.schedule(this::reconnect, after.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException shutDown) {
        // closed meanwhile
      }
    }
  }

  /** Opens a new connection and watch unless the current one lives; tries again later when NATS does not answer. */
  private synchronized void reconnect() {
    if (closed || (watch != null && watch.alive())) {
      return;
    }
    Connection connection = null;
    try {
      connection = nats.connect("weltgewebe-revocations", lossListener());
      Watch fresh = watch(connection);
      Watch old = watch;
      watch = fresh;
      if (old != null) {
        old.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      if (connection != null) {
        try {
          connection.close();
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      scheduleReconnect(RETRY_EVERY);
    }
  }

  /** True while the node's watch of the bucket is connected (revocations from other nodes arrive). */
  boolean connected() {
    Watch current = watch;
    return current != null && current.alive();
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
    // not reconnecting here: a request thread would wait out the connect timeout while NATS is down
    Watch current = watch;
    try {
      if (current == null || !current.alive()) {
        throw new IOException("the connection to NATS is lost; reconnecting every " + RETRY_EVERY.toSeconds() + " s");
      }
      current.bucket().put(key, Long.toString(at.getEpochSecond()).getBytes(StandardCharsets.US_ASCII));
    } catch (IOException | JetStreamApiException | IllegalStateException e) {
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
  public void close() {
    closed = true;
    reconnects.shutdownNow();
    synchronized (this) {
      if (watch != null) {
        watch.close();
      }
    }
  }
}
