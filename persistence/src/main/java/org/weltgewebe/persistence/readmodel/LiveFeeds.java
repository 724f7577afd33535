package org.weltgewebe.persistence.readmodel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.PublishOptions;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.NatsMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.EventId;
import org.weltgewebe.actors.Region;
import org.weltgewebe.persistence.outbox.NatsSettings;

/**
 * The live feeds map viewers, conversation readers and proposal watchers subscribe to (over SSE), as a JetStream stream
 * of their own: one subject per region cell, per conversation and per proposal, so a subscriber's consumer
 * filters on the server and an SSE event id is simply the feed stream's sequence — a client that
 * reconnects with {@code Last-Event-ID} is replayed exactly what it missed, in order.
 *
 * <p>The read-model consumer publishes here after each committed batch: a region's messages are the
 * {@link Region.Update}s it derived, a conversation's are its posts. Each carries a dedupe id made
 * of the source event's identity, so a redelivered batch publishes nothing twice.
 *
 * <p>Stream {@code <events stream>_FEEDS}, subjects {@code <events prefix>-feeds.conversation.<id>},
 * {@code -feeds.proposal.<id>} and, for a region cell, {@code -feeds.region.<cell>.map} (knots and
 * threads) and {@code -feeds.region.<cell>.role.<role id>} (a role spinning or resting: its display
 * name). A region's subscribers filter on {@code -feeds.region.<cell>.>}; a role's own subject lets
 * the forget pipeline find its messages without reading the region's feed. File storage, 7 days
 * (threads fade in seven days; older live news is in the views), 10 GiB, 2 minutes dedupe window.
 */
public final class LiveFeeds {
  static final Duration MAX_AGE = Duration.ofDays(7);
  static final long MAX_BYTES = 10L * 1024 * 1024 * 1024;
  private static final String REGION = "-feeds.region.";
  /** What may stand in a subject token as it is. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,128}");
  private static final ObjectMapper JSON =
      new ObjectMapper().registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private LiveFeeds() {}

  /** The feed stream's name for the events stream of {@code nats}. */
  public static String stream(NatsSettings nats) {
    return nats.stream() + "_FEEDS";
  }

  /** What a region cell's subscribers filter on: every message of the cell's feed. */
  public static String regionFeed(NatsSettings nats, String cell) {
    return regionPrefix(nats, cell) + ">";
  }

  /** The subject of the region feed's messages about one role (the only ones that name it). */
  public static String roleInRegion(NatsSettings nats, String cell, String roleId) {
    return regionPrefix(nats, cell) + "role." + token(roleId);
  }

  /**
   * The subject a region cell's messages had before the role had a subject of its own: a stream
   * written by an older node may still hold such messages (for up to its seven days).
   */
  public static String legacyRegionSubject(NatsSettings nats, String cell) {
    return nats.subjectPrefix() + REGION + cell;
  }

  /**
   * The feed a message on {@code subject} belongs to, as its subscribers name it: a region's
   * messages belong to {@link #regionFeed}, every other subject is its own feed.
   */
  public static String feedOf(String subject) {
    int region = subject.indexOf(REGION);
    if (region < 0) {
      return subject;
    }
    int cellEnd = subject.indexOf('.', region + REGION.length());
    return cellEnd < 0 ? subject : subject.substring(0, cellEnd + 1) + ">";
  }

  private static String regionPrefix(NatsSettings nats, String cell) {
    return nats.subjectPrefix() + REGION + cell + ".";
  }

  /** {@code id} as one subject token: itself when it is one, else a digest of it. */
  private static String token(String id) {
    if (TOKEN.matcher(id).matches()) {
      return id;
    }
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      return "sha-" + HexFormat.of().formatHex(sha, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The subject of a region update's message. */
  static String regionSubject(NatsSettings nats, Region.Update update) {
    if (update instanceof Region.RoleSpinning spinning) {
      return roleInRegion(nats, update.cell(), spinning.roleId());
    }
    if (update instanceof Region.RoleResting resting) {
      return roleInRegion(nats, update.cell(), resting.roleId());
    }
    return regionPrefix(nats, update.cell()) + "map";
  }

  /** The subject of a conversation's feed. */
  public static String conversationSubject(NatsSettings nats, String conversationId) {
    return nats.subjectPrefix() + "-feeds.conversation." + conversationId;
  }

  /** The subject of a proposal's feed. */
  public static String proposalSubject(NatsSettings nats, String proposalId) {
    return nats.subjectPrefix() + "-feeds.proposal." + proposalId;
  }

  /** Creates the feed stream, or brings it to its policies. */
  public static void ensure(Connection connection, NatsSettings nats) throws IOException, JetStreamApiException {
    ReadSideStreams.ensure(connection, StreamConfiguration.builder()
        .name(stream(nats))
        .description("Weltgewebe live feeds (regions, conversations), for SSE subscribers")
        .subjects(nats.subjectPrefix() + "-feeds.>")
        .maxAge(MAX_AGE)
        .maxBytes(MAX_BYTES)
        .duplicateWindow(Duration.ofMinutes(2)));
  }

  /** The feed message of a region update: the update as JSON with its kind in {@code type}. */
  static NatsMessage regionMessage(NatsSettings nats, Region.Update update) {
    ObjectNode json = JSON.valueToTree(update);
    json.put("type", update.getClass().getSimpleName());
    json.put("source", update.source().toString());
    return message(regionSubject(nats, update), json);
  }

  /** The feed message of a conversation's first post or a later one. */
  static NatsMessage conversationMessage(NatsSettings nats, String conversationId, Conversation.Message post, boolean first) {
    ObjectNode json = JSON.valueToTree(post);
    json.put("type", first ? "Started" : "Posted");
    json.put("conversationId", conversationId);
    return message(conversationSubject(nats, conversationId), json);
  }

  /**
   * The feed message of a proposal's step: the event's kind and the proposal as its view holds it
   * right after (phase, deadline, how many voted, the counts once closed) — never who voted how
   * before the count, which is public only in the final tally.
   */
  static NatsMessage proposalMessage(NatsSettings nats, String proposalId, String type, ObjectNode proposal) {
    ObjectNode json = proposal.deepCopy();
    json.put("type", type);
    return message(proposalSubject(nats, proposalId), json);
  }

  /** Dedupe id of a feed message: the feed and the source event. */
  static PublishOptions options(String subject, EventId source) {
    return PublishOptions.builder().messageId(subject + ":" + source).build();
  }

  private static NatsMessage message(String subject, ObjectNode json) {
    try {
      return NatsMessage.builder()
          .subject(subject)
          .data(JSON.writeValueAsString(json).getBytes(StandardCharsets.UTF_8))
          .build();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write a feed message", e);
    }
  }
}
