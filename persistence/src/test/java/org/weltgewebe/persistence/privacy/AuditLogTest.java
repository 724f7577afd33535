package org.weltgewebe.persistence.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.TestDatabase;

/** The audit log on a real PostgreSQL: append-only by trigger, and a tampered row is found. */
class AuditLogTest {
  private TestDatabase db;
  private Vault vault;

  @BeforeEach
  void open() {
    db = TestDatabase.create();
    vault = Vault.open(db.settings(), 4, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    vault.close();
    db.close();
  }

  @Test
  void appendsChainAndVerify() {
    AuditLog log = vault.audit();
    assertEquals(1, log.append(new AuditLog.Entry("role:a", "personal-data.read", "a", "owner reads own data")));
    assertEquals(2, log.append(new AuditLog.Entry("role:b", "personal-data.refused", "a", "another role asked")));
    assertEquals(3, log.append(new AuditLog.Entry("operator:ops", "forget", "a", "ticket 42")));
    AuditLog.Verification verification = log.verify();
    assertEquals(3, verification.rows());
    assertTrue(verification.intact(), verification.problems().toString());
    assertEquals(List.of("personal-data.read", "personal-data.refused", "forget"),
        log.about("a").stream().map(AuditLog.Row::action).toList());
  }

  @Test
  void theDatabaseRefusesUpdateDeleteAndTruncate() throws SQLException {
    vault.audit().append(new AuditLog.Entry("role:a", "personal-data.read", "a", "why"));
    try (Connection c = db.settings().connect(); Statement s = c.createStatement()) {
      SQLException update = assertThrows(SQLException.class,
          () -> s.executeUpdate("UPDATE audit_log SET reason = 'nothing happened'"));
      assertTrue(update.getMessage().contains("append-only"), update.getMessage());
      assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM audit_log"));
      assertThrows(SQLException.class, () -> s.executeUpdate("TRUNCATE audit_log"));
    }
    assertEquals(1, vault.audit().verify().rows());
  }

  @Test
  void verifyFindsARowChangedBehindTheTriggersBack() throws SQLException {
    for (int i = 0; i < 5; i++) {
      vault.audit().append(new AuditLog.Entry("role:a", "personal-data.read", "a", "read " + i));
    }
    try (Connection c = db.settings().connect(); Statement s = c.createStatement()) {
      // What a superuser could do: switch the trigger off, rewrite history, switch it on again.
      s.execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
      s.executeUpdate("UPDATE audit_log SET actor = 'role:nobody' WHERE seq = 3");
      s.execute("ALTER TABLE audit_log ENABLE TRIGGER USER");
    }
    AuditLog.Verification verification = vault.audit().verify();
    assertFalse(verification.intact());
    assertEquals(List.of("row 3: its content does not match its hash (changed after writing)"), verification.problems());
  }

  @Test
  void verifyFindsARemovedRow() throws SQLException {
    for (int i = 0; i < 4; i++) {
      vault.audit().append(new AuditLog.Entry("role:a", "personal-data.read", "a", "read " + i));
    }
    try (Connection c = db.settings().connect(); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE audit_log DISABLE TRIGGER USER");
      s.executeUpdate("DELETE FROM audit_log WHERE seq = 2");
      s.execute("ALTER TABLE audit_log ENABLE TRIGGER USER");
    }
    List<String> problems = vault.audit().verify().problems();
    assertEquals(List.of("row 3: expected row 2 here (rows removed?)", "row 3: does not chain to the row before it"),
        problems);
  }

  @Test
  void concurrentAppendsStayOneChain() throws Exception {
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> appended = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String subject = "s" + (i % 4);
        appended.add(writers.submit(
            () -> vault.audit().append(new AuditLog.Entry("role:" + subject, "personal-data.read", subject, "load"))));
      }
      for (Future<Long> f : appended) {
        f.get();
      }
    } finally {
      writers.shutdown();
    }
    AuditLog.Verification verification = vault.audit().verify();
    assertEquals(40, verification.rows());
    assertTrue(verification.intact(), verification.problems().toString());
  }
}
