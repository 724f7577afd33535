package org.weltgewebe.actors;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * A conversation's messages, oldest first: an immutable list that grows by one in O(1) and finds a
 * message by its id in O(1), so a post costs the same however long the conversation is.
 *
 * <p>The versions of one log share a growing array and an index from message id to position. A
 * version sees the first {@code size} entries, which never change once written. {@link #with}
 * writes into the shared array only when this version is the longest one (nothing was appended to
 * it yet); appending to an older version copies, so every version stays what it was. One
 * conversation entity appends from its own thread; other threads (the snapshot serializer) only
 * read entries below their version's size, which the actor's message passing has published.
 */
final class MessageLog extends AbstractList<Conversation.Message> implements RandomAccess {
  private static final MessageLog EMPTY = new MessageLog(new Shared(new Conversation.Message[0]), 0);

  /** What the versions of one log share: the entries and the position of each message id. */
  private static final class Shared {
    Conversation.Message[] entries;
    int length;
    final Map<String, Integer> positions = new HashMap<>();

    Shared(Conversation.Message[] entries) {
      this.entries = entries;
    }

    void append(Conversation.Message message) {
      if (length == entries.length) {
        entries = Arrays.copyOf(entries, Math.max(8, length * 2));
      }
      entries[length] = message;
      positions.putIfAbsent(message.messageId(), length);
      length++;
    }
  }

  private final Shared shared;
  private final Conversation.Message[] entries;
  private final int size;

  private MessageLog(Shared shared, int size) {
    this.shared = shared;
    this.entries = shared.entries;
    this.size = size;
  }

  /** {@code messages} as a log: itself when it is one, else a copy. */
  static MessageLog of(List<Conversation.Message> messages) {
    if (messages instanceof MessageLog log) {
      return log;
    }
    MessageLog log = EMPTY;
    for (Conversation.Message message : messages) {
      log = log.with(message);
    }
    return log;
  }

  /** This log with {@code message} appended; this log is unchanged. */
  MessageLog with(Conversation.Message message) {
    if (size > 0 && size == shared.length) {
      shared.append(message);
      return new MessageLog(shared, size + 1);
    }
    Shared copy = new Shared(Arrays.copyOf(entries, Math.max(8, (size + 1) * 2)));
    for (int i = 0; i < size; i++) {
      copy.positions.putIfAbsent(entries[i].messageId(), i);
    }
    copy.length = size;
    copy.append(message);
    return new MessageLog(copy, size + 1);
  }

  /** The position of the first message with this id, or -1. */
  int positionOf(String messageId) {
    Integer position = shared.positions.get(messageId);
    return position != null && position < size ? position : -1;
  }

  @Override
  public Conversation.Message get(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + " of " + size + " messages");
    }
    return entries[index];
  }

  @Override
  public int size() {
    return size;
  }
}
