package org.weltgewebe.actors;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A conversation on a knot: a titled message thread that a role starts with a first post and
 * others answer. Posts carry a message id chosen by the client, so a post retried after a lost
 * reply is recognised and not written twice. The thread from the role to the knot that a
 * conversation stands for is reported to the knot by the caller, not here.
 */
public final class Conversation
    extends EventSourcedBehaviorWithEnforcedReplies<
        Conversation.Command, Conversation.Event, Conversation.State> {

  /** Sharding key of the conversation entities; the entity id is the conversation id. */
  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "conversation");

  /** The message id of the post that starts a conversation. */
  public static final String FIRST_MESSAGE_ID = "first";

  static final int MAX_TITLE = 200;
  static final int MAX_TEXT = 4000;
  static final int MAX_MESSAGE_ID = 64;
  static final int MAX_PAGE = 200;

  // ---- protocol

  /** Everything a conversation understands; each command names who hears the answer. */
  public sealed interface Command extends WeaveSerializable permits Start, Post, Read {
    ActorRef<Reply> replyTo();
  }

  /** Opens the conversation on a knot with its title and first post. */
  public record Start(
      String knotId, String roleId, String title, String text, ActorRef<Reply> replyTo)
      implements Command {}

  /** Adds a message; {@code messageId} is the client's, so a retried post is applied once. */
  public record Post(String messageId, String roleId, String text, ActorRef<Reply> replyTo)
      implements Command {}

  /** Reads {@code limit} messages from position {@code offset}, oldest first. */
  public record Read(int offset, int limit, ActorRef<Reply> replyTo) implements Command {}

  /** One post in a conversation. */
  public record Message(String messageId, String roleId, String text, Instant at)
      implements WeaveSerializable {}

  /** What happened to a conversation. */
  public sealed interface Event extends WeaveSerializable permits Started, Posted {}

  /** The conversation was opened with its first post. */
  public record Started(
      String conversationId, String knotId, String roleId, String title, Message first, Instant at)
      implements Event {}

  /** A message was added. */
  public record Posted(Message message) implements Event {}

  /** What a conversation answers. */
  public sealed interface Reply extends WeaveSerializable permits ConversationView, Rejected {}

  /**
   * A conversation and one page of its messages, oldest first, starting at position
   * {@code offset} of {@code totalMessages}. {@code commentCount} counts the messages after the
   * first post. A reply to {@link Start} or {@link Post} shows the message just written (or found
   * again, for a retry) as a one-message page at its position.
   */
  public record ConversationView(
      String conversationId,
      String knotId,
      String title,
      String startedBy,
      Instant startedAt,
      int commentCount,
      Instant lastActivity,
      int offset,
      List<Message> messages,
      int totalMessages)
      implements Reply {}

  /** The conversation refused the command and changed nothing. */
  public record Rejected(Refusal refusal) implements Reply {}

  // ---- state

  /** A conversation's state: not yet started, or open. */
  sealed interface State extends WeaveSerializable permits Unstarted, Open {}

  /** Nobody has started a conversation under this id. */
  record Unstarted() implements State {}

  /**
   * An open conversation. The messages are an immutable {@link MessageLog}: a post appends in O(1)
   * and a retried post is found by its message id in O(1), however long the conversation. Snapshots
   * every 100 events bound recovery; a snapshot holds the messages as a plain list.
   */
  record Open(
      String conversationId,
      String knotId,
      String title,
      String startedBy,
      Instant startedAt,
      List<Message> messages)
      implements State {

    Open {
      messages = MessageLog.of(messages);
    }

    Open with(Message message) {
      return new Open(conversationId, knotId, title, startedBy, startedAt, MessageLog.of(messages).with(message));
    }

    /** The position of the message with this id, or -1. */
    int positionOf(String messageId) {
      return MessageLog.of(messages).positionOf(messageId);
    }
  }

  // ---- behaviour

  /** A conversation entity for {@code conversationId}, reading time from {@code clock}. */
  public static Behavior<Command> create(String conversationId, WeaveClock clock) {
    return new Conversation(conversationId, clock);
  }

  private final String conversationId;
  private final WeaveClock clock;

  private Conversation(String conversationId, WeaveClock clock) {
    super(PersistenceId.of(ENTITY_KEY.name(), conversationId));
    this.conversationId = conversationId;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new Unstarted();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(Unstarted.class)
        .onCommand(Start.class, this::start)
        .onCommand(Command.class, this::notFound);
    builder
        .forStateType(Open.class)
        .onCommand(Start.class, this::startAgain)
        .onCommand(Post.class, this::post)
        .onCommand(Read.class, this::read);
    return builder.build();
  }

  private ReplyEffect<Event, State> start(Unstarted state, Start command) {
    Optional<String> problem = problemOf(command);
    if (problem.isPresent()) {
      return reject(command.replyTo(), Refusal.invalid(problem.get()));
    }
    Instant now = clock.now();
    Message first = new Message(FIRST_MESSAGE_ID, command.roleId(), command.text().trim(), now);
    Started started =
        new Started(conversationId, command.knotId(), command.roleId(), command.title().trim(), first, now);
    return Effect().persist(started).thenReply(command.replyTo(), open -> pageAt(opened(started), 0));
  }

  private ReplyEffect<Event, State> startAgain(Open open, Start command) {
    return reject(
        command.replyTo(), Refusal.conflict("conversation " + conversationId + " already started"));
  }

  private ReplyEffect<Event, State> post(Open open, Post command) {
    Optional<String> problem = problemOf(command);
    if (problem.isPresent()) {
      return reject(command.replyTo(), Refusal.invalid(problem.get()));
    }
    String text = command.text().trim();
    int known = open.positionOf(command.messageId());
    if (known >= 0) {
      Message earlier = open.messages().get(known);
      if (!earlier.roleId().equals(command.roleId()) || !earlier.text().equals(text)) {
        return reject(
            command.replyTo(),
            Refusal.conflict(
                "message " + command.messageId() + " already exists in conversation "
                    + conversationId + " with other content"));
      }
      return Effect().reply(command.replyTo(), pageAt(open, known));
    }
    Message message = new Message(command.messageId(), command.roleId(), text, clock.now());
    return Effect().persist(new Posted(message)).thenReply(command.replyTo(), after -> written(open, message));
  }

  private ReplyEffect<Event, State> read(Open open, Read command) {
    if (command.offset() < 0) {
      return reject(
          command.replyTo(), Refusal.invalid("offset must not be negative, got " + command.offset()));
    }
    if (command.limit() < 1 || command.limit() > MAX_PAGE) {
      return reject(
          command.replyTo(),
          Refusal.invalid("limit must lie in [1, " + MAX_PAGE + "], got " + command.limit()));
    }
    return Effect().reply(command.replyTo(), page(open, command.offset(), command.limit()));
  }

  private ReplyEffect<Event, State> notFound(Unstarted state, Command command) {
    return reject(command.replyTo(), Refusal.notFound("conversation " + conversationId + " not found"));
  }

  private ReplyEffect<Event, State> reject(ActorRef<Reply> replyTo, Refusal refusal) {
    return Effect().reply(replyTo, new Rejected(refusal));
  }

  private static ConversationView pageAt(Open open, int position) {
    return page(open, position, 1);
  }

  /** The page that shows {@code message}, just posted after what {@code before} held. */
  private static ConversationView written(Open before, Message message) {
    int position = before.messages().size();
    return new ConversationView(
        before.conversationId(), before.knotId(), before.title(), before.startedBy(), before.startedAt(),
        position, message.at(), position, List.of(message), position + 1);
  }

  private static ConversationView page(Open open, int offset, int limit) {
    int total = open.messages().size();
    int from = Math.min(offset, total);
    int to = from + Math.min(limit, total - from);
    Message last = open.messages().get(total - 1);
    return new ConversationView(
        open.conversationId(), open.knotId(), open.title(), open.startedBy(), open.startedAt(),
        total - 1, last.at(), offset, List.copyOf(open.messages().subList(from, to)), total);
  }

  // ---- validation

  static Optional<String> problemOf(Start command) {
    if (isBlank(command.knotId())) {
      return Optional.of("knotId must not be blank");
    }
    if (isBlank(command.roleId())) {
      return Optional.of("roleId must not be blank");
    }
    Optional<String> title = lengthProblem("title", command.title(), MAX_TITLE);
    return title.isPresent() ? title : lengthProblem("text", command.text(), MAX_TEXT);
  }

  static Optional<String> problemOf(Post command) {
    if (isBlank(command.messageId())) {
      return Optional.of("messageId must not be blank");
    }
    if (command.messageId().length() > MAX_MESSAGE_ID) {
      return Optional.of(
          "messageId must have at most " + MAX_MESSAGE_ID + " characters, got "
              + command.messageId().length());
    }
    if (isBlank(command.roleId())) {
      return Optional.of("roleId must not be blank");
    }
    return lengthProblem("text", command.text(), MAX_TEXT);
  }

  private static Optional<String> lengthProblem(String name, String value, int max) {
    int length = value == null ? 0 : value.trim().length();
    if (length < 1 || length > max) {
      return Optional.of(name + " must have 1 to " + max + " characters, got " + length);
    }
    return Optional.empty();
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  // ---- persistence settings

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(Unstarted.class).onEvent(Started.class, Conversation::opened);
    builder.forStateType(Open.class).onEvent(Posted.class, (open, posted) -> open.with(posted.message()));
    return builder.build();
  }

  private static Open opened(Started started) {
    return new Open(
        started.conversationId(), started.knotId(), started.title(), started.roleId(),
        started.at(), List.of(started.first()));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
