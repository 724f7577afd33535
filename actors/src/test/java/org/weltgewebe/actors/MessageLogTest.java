package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.Test;

/** The conversation's message log: a list that grows in O(1), whose versions never change. */
class MessageLogTest {
  private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");

  private static Conversation.Message message(String id) {
    return new Conversation.Message(id, "role-1", "text of " + id, T0);
  }

  @Test
  void itHoldsWhatWasAppendedInOrderAndFindsEachId() {
    List<Conversation.Message> expected = new ArrayList<>();
    MessageLog log = MessageLog.of(List.of());
    for (int i = 0; i < 1_000; i++) {
      Conversation.Message m = message("m" + i);
      expected.add(m);
      log = log.with(m);
    }

    assertEquals(expected, log);
    assertEquals(expected.hashCode(), log.hashCode());
    assertEquals(1_000, log.size());
    assertEquals(0, log.positionOf("m0"));
    assertEquals(737, log.positionOf("m737"));
    assertEquals(-1, log.positionOf("m1000"));
    assertThrows(IndexOutOfBoundsException.class, () -> MessageLog.of(expected).get(1_000));
  }

  @Test
  void anOlderVersionStaysWhatItWasWhenAnotherGrowsFromIt() {
    MessageLog one = MessageLog.of(List.of(message("first")));
    MessageLog two = one.with(message("a"));
    MessageLog three = two.with(message("b"));
    // appending to a version that is no longer the longest branches off with a copy
    MessageLog branch = two.with(message("c"));
    MessageLog branchOfOne = one.with(message("d"));

    assertEquals(List.of(message("first")), one);
    assertEquals(List.of(message("first"), message("a")), two);
    assertEquals(List.of(message("first"), message("a"), message("b")), three);
    assertEquals(List.of(message("first"), message("a"), message("c")), branch);
    assertEquals(List.of(message("first"), message("d")), branchOfOne);
    assertEquals(-1, two.positionOf("b"), "a later append is not in an earlier version");
    assertEquals(-1, branch.positionOf("b"));
    assertEquals(-1, three.positionOf("c"));
    assertEquals(2, branch.positionOf("c"));
    assertEquals(2, three.positionOf("b"));
    assertEquals(-1, one.positionOf("a"));
    // the branch grows on in place, the original line too
    assertEquals(List.of(message("first"), message("a"), message("c"), message("e")), branch.with(message("e")));
    assertEquals(4, three.with(message("f")).size());
  }

  @Test
  void aRepeatedIdIsFoundAtItsFirstPosition() {
    MessageLog log = MessageLog.of(List.of(message("x"), message("y"), message("x")));

    assertEquals(0, log.positionOf("x"));
    assertEquals(3, log.size());
  }

  @Test
  void anOpenConversationOfThousandsOfPostsRoundTripsThroughTheSnapshotSerializer() throws Exception {
    ActorTestKit testKit = ActorTestKit.create("MessageLogTest");
    try {
      List<Conversation.Message> first = List.of(message(Conversation.FIRST_MESSAGE_ID));
      Conversation.Open open = new Conversation.Open("c1", "k1", "Gießplan", "role-1", T0, first);
      for (int i = 0; i < 2_500; i++) {
        open = open.with(message("m" + i));
      }
      SerializerWithStringManifest serializer =
          (SerializerWithStringManifest) SerializationExtension.get(Adapter.toClassic(testKit.system()))
              .serializerFor(Conversation.Open.class);

      Conversation.Open read = (Conversation.Open) serializer.fromBinary(serializer.toBinary(open), serializer.manifest(open));

      assertEquals(open, read);
      assertEquals(2_501, read.messages().size());
      assertEquals(1_235, read.positionOf("m1234"), "the read state finds ids again");
      assertEquals(2_502, read.with(message("m2500")).messages().size());
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
