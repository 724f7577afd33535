package org.weltgewebe.persistence.outbox;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Stream format 1: a journal row as one compact CBOR item, the message's whole payload.
 *
 * <pre>
 * [1, entityType, entityId, sequenceNr, ordering, writeTimestamp | null, serializerId, manifest, event]
 * </pre>
 *
 * <p>The first element is the format's version, so the payload starts with bytes {@code 89 01}
 * (an array of nine, then 1), which no JSON text starts with. {@code entityType} and {@code
 * manifest} are an index into this version's {@link #ENTITY_TYPES} / {@link #MANIFESTS} or the
 * text itself. {@code event} is the journal's Jackson JSON (an object or array) turned into CBOR
 * without loss: object keys of {@link #KEYS} become their index; ISO-8601 instants of millisecond
 * precision become tag 1 (epoch seconds, an integer or a double); base64 strings (Jackson's byte
 * arrays, e.g. sealed ciphertext) become tag 22 with their bytes; and, since JSON has no bytes of
 * its own, an untagged byte string of 16 bytes is a canonical UUID string and one of a single byte
 * is that entry of {@link #WORDS} (the enums' names). A payload that is not Jackson JSON, or that
 * this mapping cannot carry exactly, is kept as an untagged byte string. Reading turns the event
 * back into JSON that deserializes to the same object, so every consumer decodes with the serializer
 * id and manifest as before.
 *
 * <p>The three lists are this version's vocabulary: never reorder or remove an entry. A name
 * missing from them is written as text and still reads; appending entries needs version 2, so that
 * a reader of version 1 refuses what it could not read.
 */
final class StreamFormat {
  static final int VERSION = 1;
  /** Pekko's {@code jackson-json} serializer, whose JSON payloads are transcoded. */
  static final int JACKSON_JSON = 31;

  private static final int TAG_EPOCH = 1;
  private static final int TAG_BASE64 = 22;
  private static final int ELEMENTS = 9;

  /** Object keys, the most frequent first (indices below 24 take one byte). */
  static final List<String> KEYS = List.of(
      "at", "roleId", "threadId", "knotId", "lat", "lon", "kind", "knotLocation", "threadKind", "connection",
      "message", "messageId", "text", "title", "conversationId", "first", "createdBy", "type", "description",
      "location", "eventStart", "eventEnd", "offers", "subject",
      "nonce", "ciphertext", "identity", "publicLocation", "reason", "goods", "skills", "displayName", "personal",
      "homeAddress", "home", "from", "to", "terms", "deadline", "proposalId", "cell", "proposedBy", "payout",
      "proposedAt", "amountCents", "recipientRoleId", "choice", "tally", "yes", "no", "abstain", "counted",
      "uncounted", "through", "donationId", "donorRoleId");

  /** Entity types of persistence ids. */
  static final List<String> ENTITY_TYPES =
      List.of("knot", "thread", "conversation", "role", "proposal", "account", "delegations", "region");

  /** Serializer manifests of the journal's events, the most frequent first. */
  static final List<String> MANIFESTS = List.of(
      "org.weltgewebe.actors.WeaveThread$Spun",
      "org.weltgewebe.actors.Knot$ThreadLed",
      "org.weltgewebe.actors.Conversation$Posted",
      "org.weltgewebe.actors.Role$LoggedIn",
      "org.weltgewebe.actors.Role$LoggedOut",
      "org.weltgewebe.actors.Knot$Created",
      "org.weltgewebe.actors.Conversation$Started",
      "org.weltgewebe.actors.WeaveThread$Twisted",
      "org.weltgewebe.actors.Knot$YarnAttached",
      "org.weltgewebe.actors.WeaveThread$Untwisted",
      "org.weltgewebe.actors.Knot$YarnDetached",
      "org.weltgewebe.actors.RoleSealing$SealedProfileUpdated",
      "org.weltgewebe.actors.RoleSealing$SealedRegistered",
      "org.weltgewebe.actors.Role$Left",
      "org.weltgewebe.actors.Role$Forgotten",
      "org.weltgewebe.actors.Knot$Dissolved",
      "org.weltgewebe.actors.Delegations$ActivityNoted",
      "org.weltgewebe.actors.Delegations$Delegated",
      "org.weltgewebe.actors.Delegations$Revoked",
      "org.weltgewebe.actors.Proposal$Proposed",
      "org.weltgewebe.actors.Proposal$Objected",
      "org.weltgewebe.actors.Proposal$VoteCast",
      "org.weltgewebe.actors.Proposal$PassedWithoutObjection",
      "org.weltgewebe.actors.Proposal$Tallied",
      "org.weltgewebe.actors.Proposal$PaidOut",
      "org.weltgewebe.actors.Proposal$PayoutRefused",
      "org.weltgewebe.actors.CommunityAccount$Donated",
      "org.weltgewebe.actors.CommunityAccount$PaidOut",
      "org.weltgewebe.actors.Role$Registered",
      "org.weltgewebe.actors.Role$ProfileUpdated");

  /** String values that stand for one byte: the names of the events' enums. */
  static final List<String> WORDS = List.of(
      "CONVERSATION", "DESIGN", "CHANGE", "PROPOSAL", "VOTE", "GOLD", "REPORT",
      "AGREE", "INTEREST", "REJECT", "COMMIT", "TAKE_RESPONSIBILITY",
      "IDEA", "EVENT", "FACILITY", "TOOL", "SLEEPING_PLACE", "PARKING_PLACE", "OTHER",
      "YES", "NO", "ABSTAIN");

  private static final Map<String, Integer> KEY_INDEX = index(KEYS);
  private static final Map<String, Integer> WORD_INDEX = index(WORDS);
  private static final Map<String, Integer> TYPE_INDEX = index(ENTITY_TYPES);
  private static final Map<String, Integer> MANIFEST_INDEX = index(MANIFESTS);

  private static final CBORFactory CBOR = new CBORFactory();
  private static final JsonFactory JSON_FACTORY = new JsonFactory();
  private static final ObjectMapper JSON = new ObjectMapper(JSON_FACTORY);

  private StreamFormat() {}

  /**
   * Whether {@code data} looks like a payload of format 1 or later: a CBOR array (of fewer than 24
   * elements) whose first element is a version from 1 to 23. JSON starts with none of these bytes.
   */
  static boolean isCompact(byte[] data) {
    return data != null && data.length >= 2 && (data[0] & 0xe0) == 0x80 && data[1] >= 1 && data[1] <= 23;
  }

  /** The payload of format 1 for a journal row. */
  static byte[] encode(JournalEvent event) {
    JsonNode body = event.serializerId() == JACKSON_JSON ? carriableEvent(event.payload()) : null;
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + event.payload().length);
    try (CBORGenerator g = CBOR.createGenerator(out)) {
      g.writeStartArray(null, ELEMENTS);
      g.writeNumber(VERSION);
      String pid = event.persistenceId();
      int bar = pid.indexOf('|');
      writeWord(g, bar < 0 ? "" : pid.substring(0, bar), TYPE_INDEX);
      writeText(g, pid.substring(bar + 1));
      g.writeNumber(event.sequenceNumber());
      g.writeNumber(event.ordering());
      if (event.writeTimestamp() == null) {
        g.writeNull();
      } else {
        g.writeNumber(event.writeTimestamp().longValue());
      }
      g.writeNumber(event.serializerId());
      writeWord(g, event.manifest(), MANIFEST_INDEX);
      if (body != null) {
        write(g, body);
      } else {
        g.writeBinary(event.payload());
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write event " + event.dedupeId() + " in stream format " + VERSION, e);
    }
    return out.toByteArray();
  }

  /** A journal row from a payload of format 1, with its event as the journal's JSON again. */
  static OutboxMessage.Event decode(byte[] data) throws IOException {
    try (CBORParser p = CBOR.createParser(data)) {
      OutboxMessage.Identity identity = identity(p);
      int serializerId = nextInt(p, "serializer id");
      String manifest = nextWord(p, MANIFESTS, "manifest");
      JsonToken body = p.nextToken();
      byte[] payload;
      if (body == JsonToken.VALUE_EMBEDDED_OBJECT && p.getCurrentTag() < 0) {
        payload = p.getBinaryValue();
      } else {
        ByteArrayOutputStream json = new ByteArrayOutputStream(data.length * 2);
        try (JsonGenerator g = JSON_FACTORY.createGenerator(json)) {
          copy(p, g, body);
        }
        payload = json.toByteArray();
      }
      if (p.nextToken() != JsonToken.END_ARRAY) {
        throw new IOException("stream message of format 1 has more than " + ELEMENTS + " elements");
      }
      return new OutboxMessage.Event(identity.persistenceId(), identity.sequenceNr(), identity.ordering(),
          identity.writeTimestamp(), serializerId, manifest, payload);
    }
  }

  /**
   * The identity and place of the event in a payload of format 1, read from the payload's first
   * elements without its event (which a reader of identities, such as the reconciler, would
   * otherwise turn back into JSON for nothing).
   */
  static OutboxMessage.Identity identity(byte[] data) throws IOException {
    try (CBORParser p = CBOR.createParser(data)) {
      return identity(p);
    }
  }

  private static OutboxMessage.Identity identity(CBORParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_ARRAY) {
      throw new IOException("not a stream message of format 1 (no CBOR array)");
    }
    int version = nextInt(p, "format version");
    if (version != VERSION) {
      throw new IOException("stream format " + version + " is unknown to this reader (it reads 0 and " + VERSION + ")");
    }
    String type = nextWord(p, ENTITY_TYPES, "entity type");
    p.nextToken();
    String id = text(p);
    long sequenceNr = nextLong(p, "sequence number");
    long ordering = nextLong(p, "ordering");
    Long writeTimestamp = p.nextToken() == JsonToken.VALUE_NULL ? null : p.getLongValue();
    return new OutboxMessage.Identity(type.isEmpty() ? id : type + "|" + id, sequenceNr, ordering, writeTimestamp);
  }

  // ---- JSON -> CBOR

  // The journal's JSON as a tree, or null when format 1 cannot carry it exactly (then its bytes go as they are).
  private static JsonNode carriableEvent(byte[] json) {
    try (JsonParser p = JSON_FACTORY.createParser(json)) {
      JsonNode tree = JSON.readTree(p);
      return tree != null && tree.isContainerNode() && p.nextToken() == null && carriable(tree) ? tree : null;
    } catch (IOException e) {
      return null; // not JSON after all (e.g. Pekko compressed a large payload)
    }
  }

  private static boolean carriable(JsonNode node) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        // A key of digits would read back as an index of KEYS.
        if ((!KEY_INDEX.containsKey(field.getKey()) && isDigits(field.getKey())) || !carriable(field.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (node.isArray()) {
      for (JsonNode element : node) {
        if (!carriable(element)) {
          return false;
        }
      }
      return true;
    }
    // BigDecimal is not written by the journal's mapper, and would come back as a double.
    return !node.isBigDecimal() && (node.isValueNode() || node.isNull());
  }

  private static void write(CBORGenerator g, JsonNode node) throws IOException {
    switch (node.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject(node, node.size());
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          Integer key = KEY_INDEX.get(field.getKey());
          if (key != null) {
            g.writeFieldId(key);
          } else {
            g.writeFieldName(field.getKey());
          }
          write(g, field.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray(node, node.size());
        for (JsonNode element : node) {
          write(g, element);
        }
        g.writeEndArray();
      }
      case STRING -> writeText(g, node.textValue());
      case NUMBER -> {
        if (node.isBigInteger()) {
          g.writeNumber(node.bigIntegerValue());
        } else if (node.isIntegralNumber()) {
          g.writeNumber(node.longValue());
        } else {
          double d = node.doubleValue();
          if ((float) d == d) {
            g.writeNumber((float) d);
          } else {
            g.writeNumber(d);
          }
        }
      }
      case BOOLEAN -> g.writeBoolean(node.booleanValue());
      default -> g.writeNull();
    }
  }

  private static void writeWord(CBORGenerator g, String word, Map<String, Integer> index) throws IOException {
    Integer i = index.get(word);
    if (i != null) {
      g.writeNumber(i.intValue());
    } else {
      g.writeString(word);
    }
  }

  private static void writeText(CBORGenerator g, String s) throws IOException {
    Integer word = WORD_INDEX.get(s);
    if (word != null) {
      g.writeBinary(new byte[] {word.byteValue()});
      return;
    }
    UUID uuid = canonicalUuid(s);
    if (uuid != null) {
      g.writeBinary(ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array());
      return;
    }
    Instant instant = millisecondInstant(s);
    if (instant != null) {
      g.writeTag(TAG_EPOCH);
      if (wholeSecond(instant)) {
        g.writeNumber(instant.getEpochSecond());
      } else {
        g.writeNumber(instant.toEpochMilli() / 1000.0);
      }
      return;
    }
    byte[] bytes = canonicalBase64(s);
    if (bytes != null) {
      g.writeTag(TAG_BASE64);
      g.writeBinary(bytes);
      return;
    }
    g.writeString(s);
  }

  private static UUID canonicalUuid(String s) {
    if (s.length() != 36 || s.charAt(8) != '-' || s.charAt(13) != '-' || s.charAt(18) != '-' || s.charAt(23) != '-') {
      return null;
    }
    try {
      UUID uuid = UUID.fromString(s);
      return uuid.toString().equals(s) ? uuid : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // An instant that reads back to the same text from its epoch milliseconds.
  private static Instant millisecondInstant(String s) {
    if (s.length() < 20 || s.length() > 24 || s.charAt(s.length() - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(10) != 'T') {
      return null;
    }
    try {
      Instant instant = Instant.parse(s);
      if (!Instant.ofEpochMilli(instant.toEpochMilli()).equals(instant) || !instant.toString().equals(s)) {
        return null;
      }
      if (!wholeSecond(instant) && !epochSecondsToInstant(instant.toEpochMilli() / 1000.0).equals(instant)) {
        return null;
      }
      return instant;
    } catch (DateTimeException | ArithmeticException e) {
      return null;
    }
  }

  private static boolean wholeSecond(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).equals(instant);
  }

  private static Instant epochSecondsToInstant(double seconds) {
    return Instant.ofEpochMilli(Math.round(seconds * 1000));
  }

  private static byte[] canonicalBase64(String s) {
    if (s.length() < 16 || s.length() % 4 != 0) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=')) {
        return null;
      }
    }
    try {
      byte[] bytes = Base64.getDecoder().decode(s);
      return Base64.getEncoder().encodeToString(bytes).equals(s) ? bytes : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static boolean isDigits(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < '0' || c > '9') && !(i == 0 && c == '-')) {
        return false;
      }
    }
    return true;
  }

  // ---- CBOR -> JSON

  private static void copy(CBORParser p, JsonGenerator g, JsonToken token) throws IOException {
    if (token == null) {
      throw new IOException("stream message of format 1 ends inside its event");
    }
    switch (token) {
      case START_OBJECT -> {
        g.writeStartObject();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          g.writeFieldName(key(p.currentName()));
          copy(p, g, p.nextToken());
        }
        if (t != JsonToken.END_OBJECT) {
          throw new IOException("stream message of format 1 has a broken object in its event");
        }
        g.writeEndObject();
      }
      case START_ARRAY -> {
        g.writeStartArray();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          copy(p, g, t);
        }
        g.writeEndArray();
      }
      case VALUE_STRING -> g.writeString(p.getText());
      case VALUE_EMBEDDED_OBJECT -> g.writeString(text(p));
      case VALUE_NUMBER_INT -> {
        if (p.getCurrentTag() == TAG_EPOCH) {
          g.writeString(Instant.ofEpochSecond(p.getLongValue()).toString());
        } else if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          g.writeNumber(p.getBigIntegerValue());
        } else {
          g.writeNumber(p.getLongValue());
        }
      }
      case VALUE_NUMBER_FLOAT -> {
        if (p.getCurrentTag() == TAG_EPOCH) {
          g.writeString(epochSecondsToInstant(p.getDoubleValue()).toString());
        } else if (p.getNumberType() == JsonParser.NumberType.FLOAT) {
          g.writeNumber((double) p.getFloatValue());
        } else {
          g.writeNumber(p.getDoubleValue());
        }
      }
      case VALUE_TRUE -> g.writeBoolean(true);
      case VALUE_FALSE -> g.writeBoolean(false);
      case VALUE_NULL -> g.writeNull();
      default -> throw new IOException("stream message of format 1 holds " + token + " in its event");
    }
  }

  // The text a string-valued CBOR item stands for: text, or a tagged UUID, instant or base64 string.
  private static String text(CBORParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (t == JsonToken.VALUE_EMBEDDED_OBJECT) {
      int tag = p.getCurrentTag();
      byte[] bytes = p.getBinaryValue();
      if (tag == TAG_BASE64) {
        return Base64.getEncoder().encodeToString(bytes);
      }
      if (tag < 0 && bytes.length == 16) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new UUID(b.getLong(), b.getLong()).toString();
      }
      if (tag < 0 && bytes.length == 1 && (bytes[0] & 0xff) < WORDS.size()) {
        return WORDS.get(bytes[0] & 0xff);
      }
      throw new IOException("stream message of format 1 holds bytes under tag " + tag + " where text belongs");
    }
    if (p.getCurrentTag() == TAG_EPOCH) {
      return t == JsonToken.VALUE_NUMBER_INT
          ? Instant.ofEpochSecond(p.getLongValue()).toString()
          : epochSecondsToInstant(p.getDoubleValue()).toString();
    }
    throw new IOException("stream message of format 1 holds " + t + " where text belongs");
  }

  private static String key(String name) throws IOException {
    if (!isDigits(name)) {
      return name;
    }
    int i = Integer.parseInt(name);
    if (i < 0 || i >= KEYS.size()) {
      throw new IOException("stream message of format 1 names key " + i + ", which version " + VERSION + " does not know");
    }
    return KEYS.get(i);
  }

  private static String nextWord(CBORParser p, List<String> words, String what) throws IOException {
    JsonToken t = p.nextToken();
    if (t == JsonToken.VALUE_NUMBER_INT) {
      int i = p.getIntValue();
      if (i < 0 || i >= words.size()) {
        throw new IOException("stream message of format 1 names " + what + " " + i + ", which version " + VERSION + " does not know");
      }
      return words.get(i);
    }
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    throw new IOException("stream message of format 1 has no " + what);
  }

  private static long nextLong(CBORParser p, String what) throws IOException {
    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
      throw new IOException("stream message of format 1 has no " + what);
    }
    return p.getLongValue();
  }

  private static int nextInt(CBORParser p, String what) throws IOException {
    long value = nextLong(p, what);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw new IOException("stream message of format 1 has a " + what + " out of range: " + value);
    }
    return (int) value;
  }

  private static Map<String, Integer> index(List<String> words) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < words.size(); i++) {
      if (index.put(words.get(i), i) != null) {
        throw new IllegalStateException("stream format vocabulary lists '" + words.get(i) + "' twice");
      }
    }
    return Map.copyOf(index);
  }
}
