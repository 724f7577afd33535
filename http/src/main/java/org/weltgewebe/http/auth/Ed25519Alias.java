package org.weltgewebe.http.auth;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.KeyPairBuilder;
import io.jsonwebtoken.security.SecureRequest;
import io.jsonwebtoken.security.SecurityException;
import io.jsonwebtoken.security.SignatureAlgorithm;
import io.jsonwebtoken.security.VerifySecureDigestRequest;
import java.io.InputStream;
import java.security.PrivateKey;
import java.security.PublicKey;

/**
 * The JWS algorithm name {@code Ed25519} (RFC 9864, the fully specified successor of
 * {@code EdDSA}), which jjwt 0.13 does not know yet. It is Ed25519 over the same bytes, so it
 * delegates to jjwt's EdDSA and only answers to the other name; registering it lets the parser
 * accept tokens from issuers that already use the new name.
 */
final class Ed25519Alias implements SignatureAlgorithm {
  static final String ID = "Ed25519";

  @Override
  public String getId() {
    return ID;
  }

  @Override
  public byte[] digest(SecureRequest<InputStream, PrivateKey> request) throws SecurityException {
    return Jwts.SIG.EdDSA.digest(request);
  }

  @Override
  public boolean verify(VerifySecureDigestRequest<PublicKey> request) throws SecurityException {
    return Jwts.SIG.EdDSA.verify(request);
  }

  @Override
  public KeyPairBuilder keyPair() {
    return Jwts.SIG.EdDSA.keyPair();
  }
}
