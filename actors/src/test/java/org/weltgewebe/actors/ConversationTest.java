package org.weltgewebe.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The conversation's rules: starting, posting (idempotent by message id), paging, recovery. */
class ConversationTest {

  private static final Instant T0 = Instant.parse("2025-05-01T10:00:00Z");

  private static ActorTestKit testKit;

  private ManualClock clock;
  private String conversationId;
  private EventSourcedBehaviorTestKit<Conversation.Command, Conversation.Event, Conversation.State>
      conversation;

  @BeforeAll
  static void startSystem() {
    testKit =
        ActorTestKit.create(
            "ConversationTest",
            EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void freshConversation() {
    clock = new ManualClock(T0);
    conversationId = "conversation-" + UUID.randomUUID();
    conversation =
        EventSourcedBehaviorTestKit.create(testKit.system(), Conversation.create(conversationId, clock));
  }

  @Test
  void startOpensTheConversationWithItsFirstPost() {
    var result = start();

    Conversation.Started started = (Conversation.Started) result.event();
    assertEquals(conversationId, started.conversationId());
    assertEquals("knot-1", started.knotId());
    assertEquals("Gießplan", started.title());
    assertEquals(new Conversation.Message("first", "role-1", "Wer gießt am Montag?", T0), started.first());
    Conversation.ConversationView view = viewOf(result);
    assertEquals("role-1", view.startedBy());
    assertEquals(T0, view.startedAt());
    assertEquals(0, view.commentCount());
    assertEquals(T0, view.lastActivity());
    assertEquals(1, view.totalMessages());
    assertEquals(List.of(started.first()), view.messages());
  }

  @Test
  void postsCountAsCommentsAndMoveTheLastActivity() {
    start();
    clock.advance(Duration.ofMinutes(5));
    post("m1", "role-2", "Ich!");
    clock.advance(Duration.ofMinutes(5));

    var second = post("m2", "role-3", "  Ich Dienstag.  ");

    Conversation.Posted posted = (Conversation.Posted) second.event();
    assertEquals(
        new Conversation.Message("m2", "role-3", "Ich Dienstag.", T0.plus(Duration.ofMinutes(10))),
        posted.message());
    Conversation.ConversationView view = viewOf(second);
    assertEquals(2, view.commentCount());
    assertEquals(3, view.totalMessages());
    assertEquals(T0.plus(Duration.ofMinutes(10)), view.lastActivity());
    assertEquals(2, view.offset(), "a post's reply shows the new message at its position");
    assertEquals(List.of(posted.message()), view.messages());
  }

  @Test
  void readPagesOldestFirst() {
    start();
    for (int i = 1; i <= 6; i++) {
      clock.advance(Duration.ofMinutes(1));
      post("m" + i, "role-2", "Beitrag " + i);
    }

    Conversation.ConversationView middle = viewOf(read(2, 3));
    Conversation.ConversationView tail = viewOf(read(5, 200));
    Conversation.ConversationView beyond = viewOf(read(100, 50));

    assertEquals(List.of("m2", "m3", "m4"), idsOf(middle));
    assertEquals(2, middle.offset());
    assertEquals(7, middle.totalMessages());
    assertEquals(6, middle.commentCount());
    assertEquals(List.of("m5", "m6"), idsOf(tail));
    assertEquals(List.of(), idsOf(beyond));
    assertEquals(7, beyond.totalMessages());
    assertEquals(List.of("first", "m1"), idsOf(viewOf(read(0, 2))));
  }

  @Test
  void aRetriedPostIsAcceptedOnce() {
    start();
    post("m1", "role-2", "Ich!");
    clock.advance(Duration.ofMinutes(3));

    var retry = post("m1", "role-2", "Ich!");

    assertTrue(retry.hasNoEvents());
    Conversation.ConversationView view = viewOf(retry);
    assertEquals(2, view.totalMessages());
    assertEquals(1, view.offset());
    assertEquals(T0, view.messages().get(0).at());
    assertEquals(T0, view.lastActivity());
  }

  @Test
  void aReusedMessageIdWithOtherContentConflicts() {
    start();
    post("m1", "role-2", "Ich!");

    assertRefused(post("m1", "role-2", "Doch nicht."), Refusal.Kind.CONFLICT);
    assertRefused(post("m1", "role-3", "Ich!"), Refusal.Kind.CONFLICT);
    assertRefused(post("first", "role-2", "Ich!"), Refusal.Kind.CONFLICT);
  }

  @Test
  void startingTwiceConflicts() {
    start();

    assertRefused(start(), Refusal.Kind.CONFLICT);
  }

  @Test
  void postAndReadBeforeStartAreNotFound() {
    Refusal refusal = assertRefused(post("m1", "role-2", "Hallo?"), Refusal.Kind.NOT_FOUND);
    assertEquals("conversation " + conversationId + " not found", refusal.reason());
    assertRefused(read(0, 10), Refusal.Kind.NOT_FOUND);
  }

  @Test
  void invalidStartsArePersistedNever() {
    assertInvalid(r -> new Conversation.Start(" ", "role-1", "Titel", "Text", r), "knotId");
    assertInvalid(r -> new Conversation.Start("knot-1", "", "Titel", "Text", r), "roleId");
    assertInvalid(r -> new Conversation.Start("knot-1", "role-1", "   ", "Text", r), "title");
    assertInvalid(
        r -> new Conversation.Start("knot-1", "role-1", "t".repeat(201), "Text", r), "title");
    assertInvalid(r -> new Conversation.Start("knot-1", "role-1", "Titel", null, r), "text");
    assertInvalid(
        r -> new Conversation.Start("knot-1", "role-1", "Titel", "x".repeat(4001), r), "text");
  }

  @Test
  void invalidPostsAndReadsArePersistedNever() {
    start();

    assertInvalid(r -> new Conversation.Post("", "role-2", "Text", r), "messageId");
    assertInvalid(r -> new Conversation.Post("m".repeat(65), "role-2", "Text", r), "messageId");
    assertInvalid(r -> new Conversation.Post("m1", " ", "Text", r), "roleId");
    assertInvalid(r -> new Conversation.Post("m1", "role-2", "  ", r), "text");
    assertInvalid(r -> new Conversation.Post("m1", "role-2", "x".repeat(4001), r), "text");
    assertInvalid(r -> new Conversation.Read(-1, 10, r), "offset");
    assertInvalid(r -> new Conversation.Read(0, 0, r), "limit");
    assertInvalid(r -> new Conversation.Read(0, 201, r), "limit");
  }

  @Test
  void limitsAreInclusive() {
    var started =
        conversation.<Conversation.Reply>runCommand(
            r -> new Conversation.Start("knot-1", "role-1", "t".repeat(200), "x".repeat(4000), r));
    var posted = post("m".repeat(64), "role-2", "y".repeat(4000));

    assertEquals(1, started.events().size());
    assertEquals(1, posted.events().size());
    assertEquals(2, viewOf(read(0, 200)).totalMessages());
  }

  @Test
  void aRecoveredConversationKeepsItsMessagesAndRecognisesRetries() {
    start();
    clock.advance(Duration.ofMinutes(1));
    post("m1", "role-2", "Ich!");
    clock.advance(Duration.ofMinutes(1));
    post("m2", "role-3", "Ich auch.");

    conversation.restart();

    Conversation.ConversationView view = viewOf(read(0, 10));
    assertEquals(List.of("first", "m1", "m2"), idsOf(view));
    assertEquals(2, view.commentCount());
    assertEquals(T0.plus(Duration.ofMinutes(2)), view.lastActivity());
    assertEquals("Gießplan", view.title());
    assertTrue(post("m1", "role-2", "Ich!").hasNoEvents());
  }

  // ---- helpers

  private CommandResultWithReply<
          Conversation.Command, Conversation.Event, Conversation.State, Conversation.Reply>
      start() {
    return conversation.runCommand(
        r -> new Conversation.Start("knot-1", "role-1", " Gießplan ", "Wer gießt am Montag?", r));
  }

  private CommandResultWithReply<
          Conversation.Command, Conversation.Event, Conversation.State, Conversation.Reply>
      post(String messageId, String roleId, String text) {
    return conversation.runCommand(r -> new Conversation.Post(messageId, roleId, text, r));
  }

  private CommandResultWithReply<
          Conversation.Command, Conversation.Event, Conversation.State, Conversation.Reply>
      read(int offset, int limit) {
    CommandResultWithReply<
            Conversation.Command, Conversation.Event, Conversation.State, Conversation.Reply>
        result = conversation.runCommand(r -> new Conversation.Read(offset, limit, r));
    assertTrue(result.hasNoEvents(), "reading writes nothing");
    return result;
  }

  private void assertInvalid(
      Function<ActorRef<Conversation.Reply>, Conversation.Command> command, String mention) {
    Refusal refusal = assertRefused(conversation.runCommand(command), Refusal.Kind.INVALID);
    assertTrue(
        refusal.reason().contains(mention), () -> refusal.reason() + " should mention " + mention);
  }

  private static Refusal assertRefused(
      CommandResultWithReply<
              Conversation.Command, Conversation.Event, Conversation.State, Conversation.Reply>
          result,
      Refusal.Kind kind) {
    assertTrue(result.hasNoEvents());
    Refusal refusal = result.replyOfType(Conversation.Rejected.class).refusal();
    assertEquals(kind, refusal.kind());
    return refusal;
  }

  private static Conversation.ConversationView viewOf(
      CommandResultWithReply<
              Conversation.Command, Conversation.Event, Conversation.State, Conversation.Reply>
          result) {
    return result.replyOfType(Conversation.ConversationView.class);
  }

  private static List<String> idsOf(Conversation.ConversationView view) {
    return view.messages().stream().map(Conversation.Message::messageId).toList();
  }
}
