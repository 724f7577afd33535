package org.weltgewebe.http.routes;

import java.util.ArrayDeque;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The frames of one SSE stream on their way to its response. The feed is joined before the
 * response goes out (a feed that cannot be read is answered 503), but the response's stream runs
 * only when Pekko HTTP renders it: frames that come in between wait here, then go straight into the
 * stream's own queue. A stream whose subscriber falls more than {@code capacity} frames behind
 * fails, and the client resumes with its last id.
 *
 * <p>Pre-materialising the queue would do the same with a stream interpreter of its own per
 * subscriber (an actor, a publisher and a subscriber between it and the response): about a fifth
 * of an idle SSE stream's heap.
 */
final class FeedQueue {
  private final int capacity;
  /** The stream's queue, once it runs; set only after the frames that waited are in it. */
  private volatile BoundedSourceQueue<ByteString> queue;
  private ArrayDeque<ByteString> waiting = new ArrayDeque<>();
  private boolean completed;
  private Throwable failure;

  FeedQueue(int capacity) {
    this.capacity = capacity;
  }

  /** The response's body: its queue is this feed queue's from the moment it runs. */
  Source<ByteString, NotUsed> source() {
    return Source.<ByteString>queue(capacity).mapMaterializedValue(running -> {
      attach(running);
      return NotUsed.getInstance();
    });
  }

  /** Hands {@code frame} to the stream, or keeps it until the stream runs. */
  void offer(ByteString frame) {
    BoundedSourceQueue<ByteString> running = queue;
    if (running != null) {
      offer(running, frame);
      return;
    }
    synchronized (this) {
      if (queue != null) {
        offer(queue, frame);
      } else if (!completed && failure == null) {
        if (waiting.size() < capacity) {
          waiting.add(frame);
        } else {
          failure = behind();
          waiting.clear();
        }
      }
    }
  }

  /** Ends the stream after the frames offered so far. */
  void complete() {
    BoundedSourceQueue<ByteString> running = queue;
    if (running != null) {
      running.complete();
      return;
    }
    synchronized (this) {
      if (queue != null) {
        queue.complete();
      } else {
        completed = true;
      }
    }
  }

  private synchronized void attach(BoundedSourceQueue<ByteString> running) {
    for (ByteString frame : waiting) {
      running.offer(frame);
    }
    waiting = new ArrayDeque<>(0);
    if (failure != null) {
      running.fail(failure);
    } else if (completed) {
      running.complete();
    }
    queue = running;
  }

  private void offer(BoundedSourceQueue<ByteString> running, ByteString frame) {
    if (running.offer(frame) == QueueOfferResult.dropped()) {
      running.fail(behind());
    }
  }

  private IllegalStateException behind() {
    return new IllegalStateException("subscriber fell more than " + capacity + " events behind");
  }
}
