package org.weltgewebe.actors;

/**
 * Marker for every message, event, state and reply that crosses a node boundary or reaches the
 * journal. {@code serialization.conf} binds it to Pekko's Jackson JSON serializer, so nothing in
 * the platform falls back to Java serialization (which is switched off).
 */
public interface WeaveSerializable {}
