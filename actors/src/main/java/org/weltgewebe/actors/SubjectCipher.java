package org.weltgewebe.actors;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals and opens a subject's personal fields with AES-256-GCM from the JDK, under the subject's
 * own key. Opening answers empty once the key was shredded: that is what forgetting means for
 * every copy of the data.
 */
public final class SubjectCipher {
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SubjectKeys keys;
  private final SecureRandom random = new SecureRandom();

  public SubjectCipher(SubjectKeys keys) {
    this.keys = keys;
  }

  /** The keys this cipher uses; the forget pipeline shreds through them. */
  public SubjectKeys keys() {
    return keys;
  }

  /**
   * Seals {@code plain} under {@code subject}'s key (made now if needed).
   *
   * @throws IllegalStateException when the subject was forgotten: nothing new is sealed for it
   */
  public SealedPayload seal(String subject, byte[] plain) {
    SecretKey key = keys.sealingKey(subject)
        .orElseThrow(() -> new IllegalStateException("subject " + subject + " was forgotten; nothing is sealed for it"));
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(subject.getBytes(StandardCharsets.UTF_8));
      return new SealedPayload(subject, nonce, cipher.doFinal(plain));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to seal", e);
    }
  }

  /** The plain bytes, or empty when the subject's key is gone (forgotten). */
  public Optional<byte[]> open(SealedPayload sealed) {
    Optional<SecretKey> key = keys.openingKey(sealed.subject());
    if (key.isEmpty()) {
      return Optional.empty();
    }
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.DECRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, sealed.nonce()));
      cipher.updateAAD(sealed.subject().getBytes(StandardCharsets.UTF_8));
      return Optional.of(cipher.doFinal(sealed.ciphertext()));
    } catch (AEADBadTagException e) {
      throw new IllegalStateException("sealed payload of " + sealed.subject() + " fails its integrity check", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed to open", e);
    }
  }
}
