package org.weltgewebe.persistence.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.impl.NatsMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stream format 1 against format 0: every consumer's view of a message, from real domain events. */
class StreamFormatTest {
  private static final String PREFIX = "weltgewebe.events";
  private static S4EventMix mix;

  @BeforeAll
  static void start() throws Exception {
    mix = new S4EventMix(S4EventMix.s4(), 14);
  }

  @AfterAll
  static void stop() {
    mix.close();
  }

  @Test
  void everyEventOfTheS4MixReadsBackAsTheSameRowAndTheSameDomainEvent() {
    for (S4EventMix.Row row : mix.rows(2_000)) {
      JournalEvent written = row.event();
      NatsMessage message = OutboxMessage.toMessage(PREFIX, written);
      assertThat(message.getHeaders() == null || message.getHeaders().isEmpty()).isTrue();
      OutboxMessage.Event read = read(message);
      assertThat(read.persistenceId()).isEqualTo(written.persistenceId());
      assertThat(read.sequenceNr()).isEqualTo(written.sequenceNumber());
      assertThat(read.ordering()).isEqualTo(written.ordering());
      assertThat(read.writeTimestamp()).isEqualTo(written.writeTimestamp());
      assertThat(read.serializerId()).isEqualTo(written.serializerId());
      assertThat(read.manifest()).isEqualTo(written.manifest());
      assertThat(mix.decode(read)).isEqualTo(row.domainEvent());
      // The compact form, row and all, is smaller than format 0's JSON and headers.
      NatsMessage before = OutboxMessage.toMessageOfFormat0(PREFIX, written);
      assertThat(message.getData().length).isLessThan(before.getData().length + before.getHeaders().serializedLength());
    }
  }

  @Test
  void aMessageOfFormat0StillReads() {
    JournalEvent written = mix.rows("POST").get(0).event();
    OutboxMessage.Event read = read(OutboxMessage.toMessageOfFormat0(PREFIX, written));
    assertThat(read.dedupeId()).isEqualTo(written.dedupeId());
    assertThat(read.ordering()).isEqualTo(written.ordering());
    assertThat(read.payload()).isEqualTo(written.payload());
    assertThat(mix.decode(read)).isEqualTo(mix.decode(read(OutboxMessage.toMessage(PREFIX, written))));
  }

  @Test
  void aPayloadThatIsNotJacksonJsonTravelsByteForByte() {
    byte[] binary = {0, (byte) 0xff, '{', 0x7f, (byte) 0x80};
    JournalEvent cbor = new JournalEvent(7, "knot|not-a-uuid", 3, "w", null, 33, "org.example.Other", binary);
    OutboxMessage.Event read = read(OutboxMessage.toMessage(PREFIX, cbor));
    assertThat(read.payload()).isEqualTo(binary);
    assertThat(read.persistenceId()).isEqualTo("knot|not-a-uuid");
    assertThat(read.writeTimestamp()).isNull();
    assertThat(read.manifest()).isEqualTo("org.example.Other");
    // JSON that format 1 cannot carry exactly (a key of digits, a decimal) also goes as it is.
    byte[] odd = "{\"12\":1,\"x\":1.10}".getBytes(StandardCharsets.UTF_8);
    JournalEvent json = new JournalEvent(8, "region|8a1f", 1, "w", 1L, StreamFormat.JACKSON_JSON, "org.example.Odd", odd);
    assertThat(read(OutboxMessage.toMessage(PREFIX, json)).payload()).isEqualTo(odd);
  }

  @Test
  void theIdentityReadsWithoutTheEventInEitherFormat() throws Exception {
    for (S4EventMix.Row row : mix.rows(200)) {
      JournalEvent written = row.event();
      for (NatsMessage message : List.of(OutboxMessage.toMessage(PREFIX, written), OutboxMessage.toMessageOfFormat0(PREFIX, written))) {
        OutboxMessage.Identity identity = OutboxMessage.identity(message);
        assertThat(identity.dedupeId()).isEqualTo(written.dedupeId());
        assertThat(identity.ordering()).isEqualTo(written.ordering());
        assertThat(identity.writeTimestamp()).isEqualTo(written.writeTimestamp());
      }
    }
    // Cut right after the write timestamp: the identity is all there, the event is not, so only
    // a reader that stops before the event can read it.
    JournalEvent written = mix.rows("POST").get(0).event();
    byte[] data = OutboxMessage.toMessage(PREFIX, written).getData();
    byte[] cut = java.util.Arrays.copyOf(data, identityLength(data));
    NatsMessage truncated = NatsMessage.builder().subject(PREFIX + ".conversation.Posted").data(cut).build();
    assertThat(OutboxMessage.identity(truncated).dedupeId()).isEqualTo(written.dedupeId());
    assertThatThrownBy(() -> OutboxMessage.read(truncated)).isInstanceOf(OutboxMessage.Unreadable.class);
  }

  // The bytes of a format-1 payload up to and with its sixth element (the write timestamp).
  private static int identityLength(byte[] data) throws java.io.IOException {
    try (com.fasterxml.jackson.dataformat.cbor.CBORParser p = new com.fasterxml.jackson.dataformat.cbor.CBORFactory().createParser(data)) {
      p.nextToken(); // the array
      for (int element = 0; element < 6; element++) {
        p.nextToken();
        p.skipChildren();
      }
      // the parser reads a scalar whole: its end is the offset of what comes next
      p.getText();
      return (int) p.currentLocation().getByteOffset();
    }
  }

  @Test
  void unknownVersionsAndStrangersAreRefusedWithAReason() {
    byte[] data = OutboxMessage.toMessage(PREFIX, mix.rows("LOGIN").get(0).event()).getData();
    data[1] = 2; // the version, right after the array's head
    NatsMessage future = NatsMessage.builder().subject(PREFIX + ".role.LoggedIn").data(data).build();
    assertThatThrownBy(() -> OutboxMessage.read(future)).isInstanceOf(OutboxMessage.Unreadable.class)
        .hasMessageContaining("stream format 2 is unknown");
    NatsMessage stranger = NatsMessage.builder().subject(PREFIX + ".role.LoggedIn").data("{}".getBytes(StandardCharsets.UTF_8)).build();
    assertThatThrownBy(() -> OutboxMessage.read(stranger)).isInstanceOf(OutboxMessage.Unreadable.class)
        .hasMessageContaining("neither format 1 nor format 0");
  }

  @Test
  void sealedPersonalDataStaysUnreadableOnTheStream() {
    List<S4EventMix.Row> profile = mix.rows("PROFILE_UPDATE");
    byte[] data = OutboxMessage.toMessage(PREFIX, profile.get(0).event()).getData();
    for (String personal : List.of("Lastenrad", "Fahrradreparatur")) {
      assertThat(contains(data, personal.getBytes(StandardCharsets.UTF_8))).isFalse();
    }
    // What is not sealed stays findable: the scan looks at the same UTF-8 text as in JSON.
    byte[] post = OutboxMessage.toMessage(PREFIX, mix.rows("POST").get(0).event()).getData();
    assertThat(contains(post, "Bin dabei".getBytes(StandardCharsets.UTF_8))).isTrue();
  }

  @Test
  void theVocabularyListsEachWordOnce() {
    assertThat(StreamFormat.KEYS).doesNotHaveDuplicates();
    assertThat(StreamFormat.MANIFESTS).doesNotHaveDuplicates();
    assertThat(StreamFormat.ENTITY_TYPES).doesNotHaveDuplicates();
  }

  // As PrivacyScan looks through a message's bytes.
  private static boolean contains(byte[] haystack, byte[] needle) {
    return new String(haystack, StandardCharsets.ISO_8859_1).contains(new String(needle, StandardCharsets.ISO_8859_1));
  }

  private static OutboxMessage.Event read(NatsMessage message) {
    try {
      return OutboxMessage.read(message);
    } catch (OutboxMessage.Unreadable e) {
      throw new AssertionError(e);
    }
  }
}
