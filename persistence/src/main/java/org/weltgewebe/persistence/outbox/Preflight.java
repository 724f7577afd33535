package org.weltgewebe.persistence.outbox;

import io.nats.client.Connection;
import io.nats.client.api.ServerInfo;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.ServiceProblem;

/**
 * What the outbox needs of PostgreSQL and NATS, checked before a run puts any load on them, so that
 * a misconfigured service stops the run in seconds instead of leaving a relay that fails every 30 s
 * behind a platform that answers. PostgreSQL: it answers, {@code wal_level = logical}, the role may
 * create replication slots, a slot and a WAL sender are free (or the relay's slot exists and nobody
 * holds it). NATS: it answers, JetStream is on, and its {@code max_file_store} admits the event
 * stream's {@code max_bytes} (the stream is created here, as the relay would).
 *
 * <p>Every failure is a {@link ServiceProblem} whose one-line message names the setting and the fix.
 */
public final class Preflight {
  private static final String PRIVATE_SERVICES = "or run without --db-url for a private PostgreSQL";
  private static final String PRIVATE_NATS = "or run without --nats-url for a private nats-server";

  private Preflight() {}

  /** Checks both services, NATS first (its checks are the quicker); the first problem found is thrown. */
  public static void check(DatabaseSettings db, NatsSettings nats, OutboxSettings outbox) {
    checkNats(nats);
    checkDatabase(db, outbox);
  }

  /** Checks PostgreSQL (through its direct URL: replication cannot pass a pooler). */
  public static void checkDatabase(DatabaseSettings settings, OutboxSettings outbox) {
    DatabaseSettings db = settings.direct();
    try (java.sql.Connection c = db.connect(); Statement s = c.createStatement()) {
      String walLevel = single(s, "SHOW wal_level");
      if (!"logical".equals(walLevel)) {
        throw new ServiceProblem("PostgreSQL at " + db.url() + " runs with wal_level = " + walLevel
            + "; the outbox needs wal_level = logical: ALTER SYSTEM SET wal_level = logical and restart PostgreSQL"
            + " (db/ensure-postgres does both), " + PRIVATE_SERVICES);
      }
      String role = single(s, "SELECT current_user");
      if (!"t".equals(single(s, "SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user"))) {
        throw new ServiceProblem("PostgreSQL role " + role + " at " + db.url() + " may not create replication slots:"
            + " ALTER ROLE " + role + " REPLICATION (as a superuser), or set weltgewebe.db.user (WELTGEWEBE_DB_USER) to a role that may");
      }
      checkSlots(c, db, outbox.slot());
    } catch (SQLException e) {
      throw new ServiceProblem("PostgreSQL does not answer at " + db.url() + " (" + oneLine(e) + "): start it,"
          + " or set weltgewebe.db.url (--db-url, WELTGEWEBE_DB_URL) to one that runs, " + PRIVATE_SERVICES, e);
    }
  }

  private static void checkSlots(java.sql.Connection c, DatabaseSettings db, String slot) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT current_setting('max_replication_slots')::int,"
            + " (SELECT count(*) FROM pg_replication_slots),"
            + " current_setting('max_wal_senders')::int,"
            + " (SELECT count(*) FROM pg_stat_replication),"
            + " (SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?),"
            + " EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ?)")) {
      s.setString(1, slot);
      s.setString(2, slot);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        int maxSlots = r.getInt(1);
        int slots = r.getInt(2);
        int maxSenders = r.getInt(3);
        int senders = r.getInt(4);
        int holder = r.getInt(5);
        boolean holderKnown = !r.wasNull();
        boolean exists = r.getBoolean(6);
        if (exists && holderKnown) {
          throw new ServiceProblem("replication slot " + slot + " on " + db.url() + " is held by another relay (PostgreSQL pid " + holder
              + "): stop the platform that uses it, or set weltgewebe.outbox.slot (WELTGEWEBE_OUTBOX_SLOT) to a name of its own");
        }
        // a first start creates the slot and, while it publishes what the journal already holds, a seed beside it
        int needed = exists ? 0 : 2;
        if (maxSlots - slots < needed) {
          throw new ServiceProblem("PostgreSQL at " + db.url() + " has " + slots + " of max_replication_slots = " + maxSlots
              + " in use; the outbox needs " + needed + " more: raise max_replication_slots in postgresql.conf and restart,"
              + " or drop unused slots (SELECT pg_drop_replication_slot(name))");
        }
        if (maxSenders - senders < 1) {
          throw new ServiceProblem("PostgreSQL at " + db.url() + " has all max_wal_senders = " + maxSenders
              + " in use; the outbox relay needs one: raise max_wal_senders in postgresql.conf and restart PostgreSQL");
        }
      }
    }
  }

  /** Checks NATS and creates (or confirms) the event stream with its required policies. */
  public static void checkNats(NatsSettings nats) {
    try (Connection connection = nats.connect("weltgewebe-preflight")) {
      ServerInfo info = connection.getServerInfo();
      if (!info.isJetStreamAvailable()) {
        throw new ServiceProblem("NATS at " + nats.url() + " runs without JetStream: start nats-server with -js and the project's "
            + EventStream.SERVER_CONFIG_FILE + " (nats/ensure-nats does), " + PRIVATE_NATS);
      }
      try {
        EventStream.ensure(connection, nats);
      } catch (IllegalStateException e) {
        throw new ServiceProblem(oneLine(e) + " (" + PRIVATE_NATS + ")", e);
      }
    } catch (IOException e) {
      throw new ServiceProblem("NATS does not answer at " + nats.url() + " (" + oneLine(e) + "): start nats-server with "
          + EventStream.SERVER_CONFIG_FILE + " (nats/ensure-nats), or set weltgewebe.nats.url (--nats-url, WELTGEWEBE_NATS_URL), "
          + PRIVATE_NATS, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServiceProblem("interrupted while checking NATS at " + nats.url(), e);
    }
  }

  private static String single(Statement s, String sql) throws SQLException {
    try (ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
