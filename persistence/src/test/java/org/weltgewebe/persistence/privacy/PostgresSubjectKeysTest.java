package org.weltgewebe.persistence.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.SealedPayload;
import org.weltgewebe.actors.SubjectCipher;
import org.weltgewebe.persistence.TestDatabase;

/** Subject keys in PostgreSQL: made once, shared by every reader, shredded for good, audited. */
class PostgresSubjectKeysTest {
  private static TestDatabase db;
  private static Vault vault;

  @BeforeAll
  static void open() {
    db = TestDatabase.create();
    vault = Vault.open(db.settings(), 2, Clock.systemUTC());
  }

  @AfterAll
  static void close() {
    vault.close();
    db.close();
  }

  @Test
  void aSealedFieldOpensUntilTheKeyIsShreddedAndNeverAfter() {
    byte[] plain = "Wrangelstraße 7".getBytes(StandardCharsets.UTF_8);
    SealedPayload sealed = vault.cipher().seal("ada", plain);
    assertFalse(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1).contains("Wrangel"));
    // a second node's cipher on the same table opens it too
    try (Vault other = Vault.open(db.settings(), 1, Clock.systemUTC())) {
      assertArrayEquals(plain, other.cipher().open(sealed).orElseThrow());
    }
    assertTrue(vault.keys().shred("ada", "operator:test", "test forgets ada"));
    assertTrue(vault.cipher().open(sealed).isEmpty());
    assertTrue(vault.keys().sealingKey("ada").isEmpty(), "a forgotten subject gets no new key");
    assertThrows(IllegalStateException.class, () -> vault.cipher().seal("ada", plain));
    assertFalse(vault.keys().shred("ada", "operator:test", "again"), "shredding twice finds no key");
    assertEquals(List.of("key.create", "key.shred"), vault.audit().about("ada").stream().map(AuditLog.Row::action).toList());
  }

  @Test
  void shreddingASubjectWithoutKeyLeavesATombstone() {
    assertFalse(vault.keys().shred("never-sealed", "operator:test", "forget before any data"));
    assertTrue(vault.keys().sealingKey("never-sealed").isEmpty());
  }

  @Test
  void aPayloadMovedToAnotherSubjectDoesNotOpen() {
    SealedPayload sealed = vault.cipher().seal("bo", "Bo".getBytes(StandardCharsets.UTF_8));
    vault.cipher().seal("cleo", "Cleo".getBytes(StandardCharsets.UTF_8));
    SealedPayload moved = new SealedPayload("cleo", sealed.nonce(), sealed.ciphertext());
    assertThrows(IllegalStateException.class, () -> vault.cipher().open(moved));
  }

  @Test
  void keysNeverLeaveTheirTable() {
    SubjectCipher cipher = vault.cipher();
    SealedPayload sealed = cipher.seal("dora", new byte[] {1, 2, 3});
    byte[] key = vault.keys().openingKey("dora").orElseThrow().getEncoded();
    assertEquals(32, key.length, "AES-256");
    assertFalse(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)
        .contains(new String(key, StandardCharsets.ISO_8859_1)));
  }
}
