package org.weltgewebe.persistence.readmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nats.client.Connection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.TestNats;

/**
 * The live-feed reader on a nats-server of the test's own: a live subscriber and a resuming one get
 * their feed's messages, and when the server goes away both are told their feed ended (once each),
 * so their SSE clients reconnect with their last id — with no other subscriber arriving to notice
 * the lost connection. After the restart a new subscriber is served on a new connection.
 */
class LiveFeedReaderTest {

  @Test
  void subscribersAreEndedWhenTheConnectionIsLostAndANewOneServesAfterTheRestart() throws Exception {
    try (TestNats server = TestNats.startPrivate()) {
      NatsSettings nats = server.settings();
      String feed = LiveFeeds.regionFeed(nats, "871f1d4d6ffffff");
      String subject = LiveFeeds.roleInRegion(nats, "871f1d4d6ffffff", "role-1");
      String elsewhere = LiveFeeds.roleInRegion(nats, "871f18b24ffffff", "role-1");
      try (LiveFeedReader reader = new LiveFeedReader(nats); Connection publisher = server.connect()) {
        List<LiveFeedReader.Item> live = new CopyOnWriteArrayList<>();
        List<LiveFeedReader.Item> resumed = new CopyOnWriteArrayList<>();
        AtomicInteger liveEnded = new AtomicInteger();
        AtomicInteger resumedEnded = new AtomicInteger();
        AutoCloseable liveFeed = reader.tail(feed, 0, live::add, liveEnded::incrementAndGet);
        publisher.jetStream().publish(elsewhere, "{\"other region\":0}".getBytes(StandardCharsets.UTF_8));
        publisher.jetStream().publish(subject, "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
        publisher.jetStream().publish(subject, "{\"n\":2}".getBytes(StandardCharsets.UTF_8));
        await("the live subscriber gets both messages").atMost(Duration.ofSeconds(10)).until(() -> live.size() == 2);
        assertThat(live).extracting(LiveFeedReader.Item::json).as("its region's, in order, not the other's")
            .containsExactly("{\"n\":1}", "{\"n\":2}");
        // a client that saw the first resumes after it (Last-Event-ID)
        AutoCloseable resumedFeed = reader.tail(feed, live.get(0).sequence(), resumed::add, resumedEnded::incrementAndGet);
        await("the resuming subscriber is replayed the second").atMost(Duration.ofSeconds(10)).until(() -> resumed.size() == 1);
        assertThat(resumed.get(0).json()).isEqualTo("{\"n\":2}");

        server.stop();
        await("both feeds end with the connection").atMost(Duration.ofSeconds(15))
            .until(() -> liveEnded.get() == 1 && resumedEnded.get() == 1);
        liveFeed.close();
        resumedFeed.close();
        assertThat(liveEnded.get()).as("ended once, not again on close").isEqualTo(1);
        assertThat(resumedEnded.get()).isEqualTo(1);

        server.start();
        List<LiveFeedReader.Item> after = new CopyOnWriteArrayList<>();
        try (Connection again = server.connect()) {
          // the subscriber that comes next opens a new connection (the stream is on the server's store)
          AutoCloseable next = reader.tail(feed, 0, after::add, () -> {});
          again.jetStream().publish(subject, "{\"n\":3}".getBytes(StandardCharsets.UTF_8));
          await("a new subscriber is served after the restart").atMost(Duration.ofSeconds(10)).until(() -> after.size() == 1);
          assertThat(after.get(0).json()).isEqualTo("{\"n\":3}");
          next.close();
        }
      }
    }
  }

  @Test
  void aSubscriberIsNotGivenASequenceItHadAgain() {
    List<Long> given = new ArrayList<>();
    AtomicLong repeated = new AtomicLong();
    LiveFeedReader.Subscriber subscriber = new LiveFeedReader.Subscriber(item -> given.add(item.sequence()), () -> {}, repeated);
    for (long sequence : new long[] {5, 5, 4, 6, 9, 9}) {
      subscriber.deliver(new LiveFeedReader.Item(sequence, "{}"));
    }
    assertThat(given).containsExactly(5L, 6L, 9L);
    assertThat(repeated).hasValue(3);
  }
}
