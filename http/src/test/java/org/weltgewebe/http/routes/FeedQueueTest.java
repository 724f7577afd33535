package org.weltgewebe.http.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.AsPublisher;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;

class FeedQueueTest {
  static ActorSystem system;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("feed-queue-test");
  }

  @AfterAll
  static void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static ByteString frame(int n) {
    return ByteString.fromString("id: " + n + "\n\n");
  }

  private static List<String> texts(List<ByteString> frames) {
    return frames.stream().map(ByteString::utf8String).toList();
  }

  @Test
  void framesOfferedBeforeTheStreamRunsComeFirstAndInOrder() throws Exception {
    FeedQueue queue = new FeedQueue(8);
    queue.offer(frame(1));
    queue.offer(frame(2));
    CompletionStage<List<ByteString>> got = queue.source().take(4).runWith(Sink.seq(), system);
    queue.offer(frame(3));
    queue.offer(frame(4));
    assertThat(texts(got.toCompletableFuture().get(10, TimeUnit.SECONDS)))
        .containsExactly("id: 1\n\n", "id: 2\n\n", "id: 3\n\n", "id: 4\n\n");
  }

  @Test
  void aFeedThatEndedBeforeTheStreamRanEndsItAfterItsFrames() throws Exception {
    FeedQueue queue = new FeedQueue(8);
    queue.offer(frame(1));
    queue.complete();
    queue.offer(frame(2)); // after the end: dropped
    List<ByteString> got = queue.source().runWith(Sink.seq(), system).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(texts(got)).containsExactly("id: 1\n\n");
  }

  @Test
  void moreFramesThanItsCapacityBeforeTheStreamRunsFailTheStream() {
    FeedQueue queue = new FeedQueue(2);
    for (int i = 1; i <= 3; i++) {
      queue.offer(frame(i));
    }
    CompletionStage<List<ByteString>> got = queue.source().runWith(Sink.seq(), system);
    assertThat(got.toCompletableFuture())
        .failsWithin(10, TimeUnit.SECONDS)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .withMessage("subscriber fell more than 2 events behind");
  }

  @Test
  void aSubscriberMoreThanItsCapacityBehindFailsTheRunningStream() {
    FeedQueue queue = new FeedQueue(2);
    // The stream runs, but nobody asks for its frames yet: its buffer fills, the third is one too many.
    Publisher<ByteString> running = queue.source().runWith(Sink.asPublisher(AsPublisher.WITHOUT_FANOUT), system);
    for (int i = 1; i <= 3; i++) {
      queue.offer(frame(i));
    }
    queue.offer(frame(4)); // after the failure: dropped without an exception
    CompletionStage<List<ByteString>> got = Source.fromPublisher(running).runWith(Sink.seq(), system);
    assertThat(got.toCompletableFuture())
        .failsWithin(10, TimeUnit.SECONDS)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .withMessage("subscriber fell more than 2 events behind");
  }
}
