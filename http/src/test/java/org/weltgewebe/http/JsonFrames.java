package org.weltgewebe.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket listener that records every text frame as JSON (whole, however the frame arrived in
 * parts) and the close: the chat's and the revocation's tests read what the server sent through it.
 */
public class JsonFrames implements WebSocket.Listener {
  private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  private final StringBuilder partial = new StringBuilder();
  /** The close's status code once the server closed; failed when the socket failed. */
  public final CompletableFuture<Integer> closed = new CompletableFuture<>();

  @Override
  public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        frames.add(TestApi.JSON.readTree(partial.toString()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      partial.setLength(0);
    }
    socket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket socket, Throwable error) {
    closed.completeExceptionally(error);
  }

  /** The next frame, or null when none came within {@code timeout}. */
  public JsonNode poll(long timeout, TimeUnit unit) throws InterruptedException {
    return frames.poll(timeout, unit);
  }

  /** The next frame of {@code type} within {@code within}, skipping others (e.g. the live Posted frames). */
  public JsonNode next(String type, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode frame = frames.poll(1, TimeUnit.SECONDS);
      if (frame != null && frame.at("/type").asText().equals(type)) {
        return frame;
      }
    }
    throw new AssertionError("no " + type + " frame within " + within.toSeconds() + " s");
  }
}
