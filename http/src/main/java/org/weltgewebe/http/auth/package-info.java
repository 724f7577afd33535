/**
 * Who is calling: Ed25519 access tokens ({@link org.weltgewebe.http.auth.AccessTokens}), the key
 * ring that signs and verifies them, the cache of verified tokens, revocations shared through
 * JetStream, and the bearer-token check the routes run ({@link org.weltgewebe.http.auth.Authentication}).
 */
package org.weltgewebe.http.auth;
