package org.weltgewebe.actors;

/**
 * Personal fields as the journal, snapshots and JetStream hold them: AES-256-GCM ciphertext under
 * the subject's key ({@link SubjectKeys}), with its 96-bit nonce. The subject id is bound in as
 * associated data, so a payload moved to another subject does not open. Readable only while the
 * subject's key exists.
 */
public record SealedPayload(String subject, byte[] nonce, byte[] ciphertext) implements WeaveSerializable {
  @Override
  public boolean equals(Object other) {
    return other instanceof SealedPayload that
        && subject.equals(that.subject)
        && java.util.Arrays.equals(nonce, that.nonce)
        && java.util.Arrays.equals(ciphertext, that.ciphertext);
  }

  @Override
  public int hashCode() {
    return 31 * subject.hashCode() + java.util.Arrays.hashCode(ciphertext);
  }

  @Override
  public String toString() {
    return "SealedPayload[subject=" + subject + ", " + ciphertext.length + " bytes]";
  }
}
