package org.weltgewebe.persistence.readmodel;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.OrderedConsumerConfiguration;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weltgewebe.persistence.outbox.NatsSettings;

/**
 * Reads the live feeds for the subscribers of one node. All of them share one connection, opened
 * when first needed and again after it was lost (the subscribers of a lost connection see their
 * feed end, and reconnect with their last event id).
 *
 * <p>A subscriber that starts now (no {@code Last-Event-ID}) joins the node's one live fan-out: a
 * single ordered JetStream consumer on every feed subject, whose messages are handed to the
 * subscribers of each message's feed. A subscriber that resumes gets an ordered consumer of its
 * own from the given point, delivered on one dispatcher thread that all of them share. Before, each
 * subscriber had its own consumer on the server and its own dispatcher thread in the node: 5,000
 * SSE streams were 5,000 threads and 5,000 server-side consumers; the fan-out keeps both constant.
 * Delivery stays in stream order without gaps: the fan-out consumer is ordered, and a subscriber
 * joins it only between two of its messages.
 *
 * <p>The connection does not reconnect by itself ({@link NatsSettings#connect}). When it is lost (a
 * NATS restart) every subscriber's feed ends at once, so its client reconnects with its last event
 * id and is replayed what it missed; the next subscriber opens a new connection. Before, the
 * subscribers of a lost connection were ended only when another subscriber came to this node: a
 * quiet node's SSE streams stayed open on a dead consumer and got nothing more.
 */
public final class LiveFeedReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LiveFeedReader.class);
  /** One feed message: its sequence in the feed stream (the SSE event id) and its JSON. */
  public record Item(long sequence, String json) {}

  private final NatsSettings nats;
  private Connection connection;
  /** Delivers the resuming subscribers' own consumers: one thread for all of them. */
  private Dispatcher replays;
  private Fanout fanout;
  /** The resuming subscribers on the current connection, ended with it. */
  private final Set<Subscriber> replaying = ConcurrentHashMap.newKeySet();
  /** Messages a subscriber had been given already (same or older sequence), not given again. */
  private final AtomicLong repeated = new AtomicLong();

  public LiveFeedReader(NatsSettings nats) {
    this.nats = nats;
  }

  public NatsSettings nats() {
    return nats;
  }

  /**
   * Delivers the messages of the feed {@code subject} (a subject, or a region's {@link
   * LiveFeeds#regionFeed}) after sequence {@code afterSequence} (0: only those that arrive from now
   * on) to {@code sink}, until the returned handle is closed. {@code ended} runs if the feed breaks
   * off (lost connection), so the subscriber can be told to reconnect. {@code sink} must not block:
   * it runs on the thread that delivers every subscriber's messages.
   */
  public AutoCloseable tail(String subject, long afterSequence, Consumer<Item> sink, Runnable ended) throws Exception {
    if (afterSequence == 0) {
      Fanout live = fanout();
      Subscriber subscriber = new Subscriber(sink, ended, repeated);
      live.add(subject, subscriber);
      return () -> live.remove(subject, subscriber);
    }
    OrderedConsumerConfiguration configuration = new OrderedConsumerConfiguration().filterSubject(subject)
        .deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(afterSequence + 1);
    Connection used;
    Dispatcher dispatcher;
    synchronized (this) {
      used = connection();
      dispatcher = replays;
    }
    Subscriber subscriber = new Subscriber(sink, ended, repeated);
    MessageConsumer consumer =
        used.getStreamContext(LiveFeeds.stream(nats))
            .createOrderedConsumer(configuration)
            .consume(dispatcher, message -> subscriber.deliver(item(message)));
    replaying.add(subscriber);
    return () -> {
      replaying.remove(subscriber);
      stop(consumer);
      if (used.getStatus() != Connection.Status.CONNECTED) {
        subscriber.end();
      }
    };
  }

  private static void stop(MessageConsumer consumer) {
    try {
      consumer.stop();
    } catch (RuntimeException connectionGone) {
      // the consumer ends with its connection anyway
    }
  }

  /**
   * Messages not given to a subscriber again because it had had their sequence or a later one: an
   * ordered consumer that is recreated (missed heartbeats, a GC pause of the node) may hand over a
   * message the old one delivered. Each is logged.
   */
  public long repeated() {
    return repeated.get();
  }

  private static Item item(Message message) {
    return new Item(message.metaData().streamSequence(), new String(message.getData(), StandardCharsets.UTF_8));
  }

  private synchronized Fanout fanout() throws Exception {
    Connection current = connection();
    if (fanout == null) {
      fanout = new Fanout(current);
    }
    return fanout;
  }

  /** The connection, opened again if it was lost. */
  private synchronized Connection connection() throws Exception {
    if (connection == null || connection.getStatus() != Connection.Status.CONNECTED) {
      if (connection != null) {
        endSubscribersOf(connection);
        connection.close();
      }
      connection = nats.connect("live-feed-reader", (lost, event) -> {
        if (event == ConnectionListener.Events.DISCONNECTED || event == ConnectionListener.Events.CLOSED) {
          endSubscribersOf(lost);
        }
      });
      LiveFeeds.ensure(connection, nats);
      replays = connection.createDispatcher();
    }
    return connection;
  }

  /** Ends every subscriber of {@code lost}, if it is the current connection: they reconnect with their last id. */
  private void endSubscribersOf(Connection lost) {
    Fanout ended;
    synchronized (this) {
      if (lost != connection) {
        return;
      }
      ended = fanout;
      fanout = null;
    }
    if (ended != null) {
      ended.end();
    }
    java.util.Iterator<Subscriber> resuming = replaying.iterator();
    while (resuming.hasNext()) {
      Subscriber subscriber = resuming.next();
      resuming.remove();
      subscriber.end();
    }
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (connection != null) {
      connection.close();
    }
  }

  /**
   * A subscriber: where its messages go, the last sequence it was given (its feed's messages come
   * in stream order, so an older or equal one is a repeat), and what to call (once) when its feed
   * breaks off. Each subscriber is delivered by one consumer's thread at a time.
   */
  static final class Subscriber {
    private final Consumer<Item> sink;
    private final Runnable ended;
    private final AtomicLong repeated;
    private final AtomicBoolean over = new AtomicBoolean();
    private volatile long last;

    Subscriber(Consumer<Item> sink, Runnable ended, AtomicLong repeated) {
      this.sink = sink;
      this.ended = ended;
      this.repeated = repeated;
    }

    void deliver(Item item) {
      if (item.sequence() <= last) {
        long n = repeated.incrementAndGet();
        log.warn("live feed: sequence {} came again after {}; not given to the subscriber again ({} so far)", item.sequence(), last, n);
        return;
      }
      last = item.sequence();
      sink.accept(item);
    }

    void end() {
      if (over.compareAndSet(false, true)) {
        ended.run();
      }
    }
  }

  /**
   * The node's live fan-out: one ordered consumer on all feed subjects, from the moment it was
   * made, and the subscribers per feed ({@link LiveFeeds#feedOf}). A message whose feed has no
   * subscriber here costs a map lookup; the JSON is decoded once per message, not per subscriber.
   */
  private final class Fanout {
    private final Map<String, Set<Subscriber>> bySubject = new ConcurrentHashMap<>();
    private final MessageConsumer consumer;

    Fanout(Connection connection) throws Exception {
      OrderedConsumerConfiguration all = new OrderedConsumerConfiguration()
          .filterSubject(nats.subjectPrefix() + "-feeds.>").deliverPolicy(DeliverPolicy.New);
      consumer = connection.getStreamContext(LiveFeeds.stream(nats)).createOrderedConsumer(all).consume(this::deliver);
    }

    private void deliver(Message message) {
      Set<Subscriber> subscribers = bySubject.get(LiveFeeds.feedOf(message.getSubject()));
      if (subscribers == null || subscribers.isEmpty()) {
        return;
      }
      Item item = item(message);
      for (Subscriber subscriber : subscribers) {
        subscriber.deliver(item);
      }
    }

    void add(String subject, Subscriber subscriber) {
      bySubject.compute(subject, (s, set) -> {
        Set<Subscriber> joined = set == null ? ConcurrentHashMap.newKeySet() : set;
        joined.add(subscriber);
        return joined;
      });
    }

    void remove(String subject, Subscriber subscriber) {
      bySubject.computeIfPresent(subject, (s, set) -> {
        set.remove(subscriber);
        return set.isEmpty() ? null : set;
      });
    }

    /** Ends every subscriber (the connection was lost); they reconnect with their last id. */
    void end() {
      stop(consumer);
      bySubject.values().forEach(set -> set.forEach(Subscriber::end));
      bySubject.clear();
    }
  }
}
