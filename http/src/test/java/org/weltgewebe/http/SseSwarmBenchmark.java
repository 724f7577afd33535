package org.weltgewebe.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Commit → SSE client latency with many concurrent streams on one node (issue 14), run by
 * {@code http/bench/sse-bench.sh}; a benchmark, not a test.
 *
 * <p>It registers a few roles, starts {@code bench.feeds} conversations on one knot, and then for
 * each stream count of {@code bench.streams} (the first is the same-run baseline): opens that many
 * {@code GET /conversations/{id}/feed} streams (stream i follows conversation i mod feeds) from a
 * small NIO swarm — a few selector threads, one socket and a few hundred bytes per stream, so the
 * swarm holds far more streams than a thread-per-stream client could — and, once all are open,
 * posts {@code bench.rate} messages/s for {@code bench.seconds} round-robin to the conversations.
 * Each post's text carries its number within its conversation and the writer's send time. Every
 * stream checks that it got exactly the posts of its conversation that the node acknowledged (no
 * gap, no duplicate) and times each from the event's {@code at} (stamped by the conversation entity
 * as it accepts the post, before its journal write commits) to the moment the swarm parsed it.
 *
 * <p>The node's heap ({@code jcmd GC.heap_info}, after a {@code GC.run} so that it is the live
 * set), threads and CPU are read from {@code /proc} and jcmd while the streams are open. The swarm
 * states its own ceiling: the busy share of its selector threads (near 100 % means the figures
 * measure the client, not the node) and the file descriptors it may hold.
 */
final class SseSwarmBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final long nodePid = Long.getLong("bench.node-pid", 0);
  private final List<String> tokens = new ArrayList<>();
  private final List<String> conversations = new ArrayList<>();
  /** Per conversation: the next post number (posts are numbered 1.. across all phases). */
  private int[] nextPost;

  private SseSwarmBenchmark(URI base) {
    this.base = base;
    this.port = base.getPort();
  }

  public static void main(String[] args) throws Exception {
    URI base = URI.create(System.getProperty("bench.base", "http://127.0.0.1:18090"));
    int feeds = Integer.getInteger("bench.feeds", 1_000);
    int rate = Integer.getInteger("bench.rate", 1_000);
    int seconds = Integer.getInteger("bench.seconds", 30);
    int selectors = Integer.getInteger("bench.selectors", 2);
    int[] counts = Arrays.stream(System.getProperty("bench.streams", "100,1000,5000,19500").split(","))
        .map(String::trim).mapToInt(Integer::parseInt).toArray();
    SseSwarmBenchmark bench = new SseSwarmBenchmark(base);
    bench.setUp(feeds);
    System.out.printf(Locale.ROOT, "swarm: %d selector threads, file descriptors allowed %s, %d feeds (conversations), "
        + "writer %d posts/s for %d s per phase%n", selectors, openFileLimit(), feeds, rate, seconds);
    List<String> rows = new ArrayList<>();
    for (int n : counts) {
      rows.add(bench.phase(n, selectors, rate, seconds));
    }
    System.out.println();
    System.out.println("streams  open  node heap live/committed MiB  node threads  posts acked/s  delivered/expected  "
        + "missing dup  commit->client p50/p99/p99.9 ms  sent->client p99 ms  node CPU %  swarm busy %");
    rows.forEach(System.out::println);
    System.exit(0);
  }

  // ---- set-up: roles, one knot, the conversations -------------------------------------------

  private void setUp(int feeds) throws Exception {
    for (int i = 1; i <= 8; i++) {
      JsonNode session = post("/roles", null, "{\"displayName\":\"Swarm " + i + "\",\"homeAddress\":\"Oranienstr. " + i
          + ", Berlin\",\"home\":{\"lat\":52.4986,\"lon\":13.4033}}");
      tokens.add(session.path("token").path("accessToken").asText());
    }
    String knot = post("/knots", tokens.get(0),
        "{\"type\":\"IDEA\",\"title\":\"Swarm knot\",\"location\":{\"lat\":52.4986,\"lon\":13.4033}}")
        .path("knot").path("knotId").asText();
    String[] ids = new String[feeds];
    Semaphore inFlight = new Semaphore(16);
    List<java.util.concurrent.CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < feeds; i++) {
      int c = i;
      inFlight.acquire();
      all.add(http.sendAsync(request("/knots/" + knot + "/conversations", tokens.get(c % tokens.size()),
              "{\"title\":\"Swarm " + c + "\",\"text\":\"first\"}"), HttpResponse.BodyHandlers.ofString())
          .whenComplete((r, e) -> inFlight.release())
          .thenApply(r -> {
            if (r.statusCode() != 201 && r.statusCode() != 200) {
              throw new IllegalStateException("starting a conversation: " + r.statusCode() + " " + r.body());
            }
            try {
              ids[c] = JSON.readTree(r.body()).path("conversation").path("conversationId").asText();
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
            return r;
          }));
    }
    for (var f : all) {
      f.get(60, TimeUnit.SECONDS);
    }
    conversations.addAll(Arrays.asList(ids));
    nextPost = new int[feeds];
  }

  private HttpRequest request(String path, String token, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.build();
  }

  private JsonNode post(String path, String token, String body) throws Exception {
    HttpResponse<String> r = http.send(request(path, token, body), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException("POST " + path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  // ---- one phase: open n streams, write, drain, check, close --------------------------------

  private String phase(int n, int selectorCount, int rate, int seconds) throws Exception {
    int feeds = conversations.size();
    Stream[] streams = new Stream[n];
    Swarm[] swarms = new Swarm[selectorCount];
    for (int s = 0; s < selectorCount; s++) {
      swarms[s] = new Swarm("sse-swarm-" + s);
    }
    for (int i = 0; i < n; i++) {
      streams[i] = new Stream(i, i % feeds, swarms[i % selectorCount]);
    }
    for (Swarm swarm : swarms) {
      swarm.start();
    }
    // Open with at most 128 connection attempts pending, retrying refusals after a second.
    long openStart = System.nanoTime();
    Semaphore opening = new Semaphore(128);
    for (Stream stream : streams) {
      if (!opening.tryAcquire(30, TimeUnit.SECONDS)) {
        break;
      }
      stream.opening = opening;
      stream.swarm.connect(stream);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    long unopenable = 0;
    while (openCount(streams) + unopenable < n && System.nanoTime() < deadline) {
      Thread.sleep(100);
      checkAlive(swarms);
      unopenable = Arrays.stream(swarms).mapToLong(s -> s.unopenable.get()).sum();
    }
    int open = openCount(streams);
    System.out.printf(Locale.ROOT, "phase %d streams: %d open after %.1f s (%d refused and retried, %d failed, %d could not be opened%s)%n",
        n, open, (System.nanoTime() - openStart) / 1e9, Arrays.stream(swarms).mapToLong(s -> s.retries.get()).sum(),
        Arrays.stream(swarms).mapToLong(s -> s.failures.get()).sum(), unopenable,
        unopenable == 0 ? "" : ": " + Arrays.stream(swarms).map(s -> s.firstOpenError).filter(e -> e != null).findFirst().orElse("?"));

    // Write: rate posts/s, round-robin over the conversations; remember which were acknowledged.
    BitSet[] acked = new BitSet[feeds];
    BitSet[] sent = new BitSet[feeds];
    for (int c = 0; c < feeds; c++) {
      acked[c] = new BitSet();
      sent[c] = new BitSet();
    }
    AtomicInteger failedPosts = new AtomicInteger();
    Semaphore inFlight = new Semaphore(512);
    long total = (long) rate * seconds;
    double cpuBefore = nodeCpuSeconds();
    long[] swarmBusyBefore = Arrays.stream(swarms).mapToLong(Swarm::cpuNanos).toArray();
    long writeStart = System.nanoTime();
    String threads = "";
    for (long i = 0; i < total; i++) {
      long due = writeStart + i * 1_000_000_000L / rate;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      if (i == total / 2) {
        threads = nodeThreads();
      }
      int c = (int) (i % feeds);
      int k = ++nextPost[c];
      sent[c].set(k);
      String text = "k=" + k + ";t=" + System.currentTimeMillis();
      inFlight.acquire();
      var unused = http.sendAsync(request("/conversations/" + conversations.get(c) + "/messages", tokens.get(c % tokens.size()),
              "{\"messageId\":\"s" + c + "-" + k + "\",\"text\":\"" + text + "\"}"), HttpResponse.BodyHandlers.discarding())
          .whenComplete((r, e) -> {
            inFlight.release();
            if (e == null && r.statusCode() == 200) {
              synchronized (acked[c]) {
                acked[c].set(k);
              }
            } else {
              failedPosts.incrementAndGet();
            }
          });
    }
    inFlight.acquire(512);
    inFlight.release(512);
    double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
    double cpu = nodeCpuSeconds() - cpuBefore;
    long[] swarmBusyAfter = Arrays.stream(swarms).mapToLong(Swarm::cpuNanos).toArray();
    // Drain: wait until every acknowledged post reached every stream of its conversation (≤ 15 s).
    long expected = 0;
    for (Stream s : streams) {
      if (s.open) {
        expected += acked[s.feed].cardinality();
      }
    }
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (delivered(streams) < expected && System.nanoTime() < drainDeadline) {
      Thread.sleep(100);
      checkAlive(swarms);
    }
    checkAlive(swarms);
    // The live heap with every stream still open; the full GC it takes is after the timed part.
    String heap = nodeHeap();
    double busy = 0;
    for (int s = 0; s < swarms.length; s++) {
      busy = Math.max(busy, (swarmBusyAfter[s] - swarmBusyBefore[s]) / 1e9 / writeSeconds);
    }
    for (Swarm swarm : swarms) {
      swarm.stop();
    }
    long delivered = 0;
    long missing = 0;
    long duplicates = 0;
    long unexpected = 0;
    int ackedPosts = 0;
    for (BitSet b : acked) {
      ackedPosts += b.cardinality();
    }
    for (Stream s : streams) {
      synchronized (s) {
        delivered += s.received.cardinality();
        duplicates += s.duplicates;
        if (!s.open) {
          continue;
        }
        BitSet gap = (BitSet) acked[s.feed].clone();
        gap.andNot(s.received);
        missing += gap.cardinality();
        BitSet extra = (BitSet) s.received.clone();
        extra.andNot(acked[s.feed]);
        unexpected += extra.cardinality();
      }
    }
    long[] commit = merged(swarms, true);
    long[] sentToClient = merged(swarms, false);
    System.out.printf(Locale.ROOT, "phase %d streams: %d posts acknowledged of %d sent in %.1f s (%d failed); "
        + "%d deliveries of %d expected, %d missing, %d duplicate, %d of unacknowledged posts%n",
        n, ackedPosts, total, writeSeconds, failedPosts.get(), delivered, expected, missing, duplicates, unexpected);
    return String.format(Locale.ROOT, "%7d %5d  %-31s %12s %14.1f  %9d/%-9d %7d %3d  %8.1f %8.1f %8.1f  %19.1f  %10.0f  %12.0f",
        n, open, heap, threads, ackedPosts / writeSeconds, delivered, expected, missing, duplicates,
        percentile(commit, 0.50), percentile(commit, 0.99), percentile(commit, 0.999), percentile(sentToClient, 0.99),
        100 * cpu / writeSeconds, 100 * busy);
  }

  private static int openCount(Stream[] streams) {
    int open = 0;
    for (Stream s : streams) {
      if (s.open) {
        open++;
      }
    }
    return open;
  }

  private static long delivered(Stream[] streams) {
    long d = 0;
    for (Stream s : streams) {
      d += s.count.get();
    }
    return d;
  }

  private static long[] merged(Swarm[] swarms, boolean commit) {
    int size = 0;
    for (Swarm s : swarms) {
      size += (commit ? s.commitLatency : s.sentLatency).size;
    }
    long[] all = new long[size];
    int at = 0;
    for (Swarm s : swarms) {
      LongList l = commit ? s.commitLatency : s.sentLatency;
      System.arraycopy(l.values, 0, all, at, l.size);
      at += l.size;
    }
    Arrays.sort(all);
    return all;
  }

  /** The q-quantile in milliseconds of sorted microsecond values. */
  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1000.0;
  }

  // ---- the node, from outside ---------------------------------------------------------------

  private double nodeCpuSeconds() {
    if (nodePid == 0) {
      return 0;
    }
    try {
      String stat = Files.readString(Path.of("/proc/" + nodePid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks (100/s)
    } catch (IOException e) {
      return 0;
    }
  }

  /** A selector thread that died takes its streams with it: stop the benchmark and say why. */
  private static void checkAlive(Swarm[] swarms) {
    for (Swarm swarm : swarms) {
      if (swarm.fatal != null) {
        throw new IllegalStateException(swarm.thread.getName() + " died; its streams' figures would be wrong", swarm.fatal);
      }
    }
  }

  private String nodeThreads() {
    try {
      return Files.readAllLines(Path.of("/proc/" + nodePid + "/status")).stream()
          .filter(l -> l.startsWith("Threads:")).map(l -> l.substring(8).trim()).findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  /** The node's live heap (after a full GC) and committed heap, in MiB, from jcmd. */
  private String nodeHeap() {
    if (nodePid == 0) {
      return "?";
    }
    try {
      jcmd("GC.run");
      String info = jcmd("GC.heap_info");
      // G1: " garbage-first heap   total 1048576K, used 123456K [..."
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(info);
      return m.find()
          ? String.format(Locale.ROOT, "%d/%d", Long.parseLong(m.group(2)) / 1024, Long.parseLong(m.group(1)) / 1024)
          : "?";
    } catch (Exception e) {
      return "?";
    }
  }

  private String jcmd(String command) throws Exception {
    Process p = new ProcessBuilder("jcmd", String.valueOf(nodePid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  private static String openFileLimit() {
    try {
      return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max open files"))
          .map(l -> l.replaceAll("\\s+", " ").split(" ", -1)[3]).findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  // ---- the swarm ----------------------------------------------------------------------------

  /** A growable list of longs, one per selector thread, so that recording takes no lock. */
  private static final class LongList {
    long[] values = new long[1024];
    int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }
  }

  /** One SSE stream: its socket, where it is in the HTTP response, and what it received. */
  private final class Stream {
    final int index;
    final int feed;
    final Swarm swarm;
    Semaphore opening;
    SocketChannel channel;
    ByteBuffer request;
    volatile boolean open;
    boolean headersDone;
    byte[] line = new byte[512];
    int lineLength;
    // Chunked transfer decoding: bytes left of the current chunk; -1 = reading a size line.
    long chunkLeft = -1;
    boolean chunkCrlf;
    final BitSet received = new BitSet();
    final AtomicLong count = new AtomicLong();
    long duplicates;

    Stream(int index, int feed, Swarm swarm) {
      this.index = index;
      this.feed = feed;
      this.swarm = swarm;
    }

    String requestText() {
      return "GET /conversations/" + conversations.get(feed) + "/feed HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nAccept: text/event-stream\r\n\r\n";
    }
  }

  /** A selector thread that connects, reads and parses a share of the streams. */
  private final class Swarm implements Runnable {
    final Thread thread;
    final Selector selector;
    final ConcurrentLinkedQueue<Stream> toConnect = new ConcurrentLinkedQueue<>();
    final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
    final byte[] bytes = new byte[256 * 1024];
    final LongList commitLatency = new LongList();
    final LongList sentLatency = new LongList();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    /** Streams whose socket could not even be created (file descriptors exhausted, for one). */
    final AtomicLong unopenable = new AtomicLong();
    volatile String firstOpenError;
    volatile Throwable fatal;
    final List<long[]> retryAt = new ArrayList<>();
    final List<Stream> retryStreams = new ArrayList<>();
    volatile boolean running = true;
    final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    volatile long threadId;

    Swarm(String name) throws IOException {
      selector = Selector.open();
      thread = new Thread(this, name);
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    long cpuNanos() {
      return threadId == 0 ? 0 : mx.getThreadCpuTime(threadId);
    }

    void connect(Stream s) {
      toConnect.add(s);
      selector.wakeup();
    }

    void stop() throws InterruptedException {
      running = false;
      selector.wakeup();
      thread.join(30_000);
    }

    @Override
    public void run() {
      threadId = Thread.currentThread().getId();
      try {
        while (running) {
          selector.select(100);
          long now = System.nanoTime();
          for (int i = retryAt.size() - 1; i >= 0; i--) {
            if (retryAt.get(i)[0] <= now) {
              toConnect.add(retryStreams.remove(i));
              retryAt.remove(i);
            }
          }
          Stream s;
          while ((s = toConnect.poll()) != null) {
            try {
              open(s);
            } catch (IOException e) { // e.g. EMFILE: this stream cannot be opened at all; count it, go on
              cannotOpen(s, e);
            }
          }
          for (SelectionKey key : selector.selectedKeys()) {
            Stream stream = (Stream) key.attachment();
            try {
              if (key.isValid() && key.isConnectable()) {
                stream.channel.finishConnect();
                key.interestOps(SelectionKey.OP_WRITE);
              } else if (key.isValid() && key.isWritable()) {
                stream.channel.write(stream.request);
                if (!stream.request.hasRemaining()) {
                  key.interestOps(SelectionKey.OP_READ);
                }
              } else if (key.isValid() && key.isReadable()) {
                read(stream, key);
              }
            } catch (IOException e) {
              closed(stream, key, true);
            }
          }
          selector.selectedKeys().clear();
        }
        for (SelectionKey key : selector.keys()) {
          key.channel().close();
        }
        selector.close();
      } catch (IOException | RuntimeException e) {
        fatal = e; // the phase checks this and stops with the cause instead of waiting on a dead thread
      }
    }

    private void cannotOpen(Stream s, IOException e) {
      if (s.channel != null) {
        try {
          s.channel.close();
        } catch (IOException ignored) {
          // the socket never got connected
        }
      }
      if (unopenable.incrementAndGet() == 1) {
        firstOpenError = e.toString();
      }
      s.opening.release();
    }

    private void open(Stream s) throws IOException {
      s.channel = SocketChannel.open();
      s.channel.configureBlocking(false);
      s.channel.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
      // Spread the client ends over 127.0.0.2..17, so that 20,000 streams and their TIME_WAITs
      // from the phase before do not run out of ephemeral ports of one address.
      s.channel.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + s.index % 16)}), 0));
      s.request = ByteBuffer.wrap(s.requestText().getBytes(StandardCharsets.US_ASCII));
      s.headersDone = false;
      s.lineLength = 0;
      s.chunkLeft = -1;
      s.chunkCrlf = false;
      boolean done = s.channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      s.channel.register(selector, done ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, s);
    }

    private void closed(Stream s, SelectionKey key, boolean failure) {
      key.cancel();
      try {
        s.channel.close();
      } catch (IOException ignored) {
        // closing a broken socket
      }
      if (!s.open && running) { // refused while opening (503 or reset): try again in a second
        retries.incrementAndGet();
        retryAt.add(new long[] {System.nanoTime() + 1_000_000_000L});
        retryStreams.add(s);
      } else if (failure && s.open) {
        failures.incrementAndGet();
        s.open = false;
      }
    }

    private void read(Stream s, SelectionKey key) throws IOException {
      buffer.clear();
      int n = s.channel.read(buffer);
      if (n < 0) {
        closed(s, key, true);
        return;
      }
      buffer.flip();
      buffer.get(bytes, 0, n);
      int i = 0;
      while (i < n) {
        if (!s.headersDone) {
          i = headerByte(s, key, bytes, i);
          if (i < 0) {
            return;
          }
          continue;
        }
        if (s.chunkLeft < 0) { // a chunk-size line
          byte b = bytes[i++];
          if (b == '\n') {
            String size = new String(s.line, 0, s.lineLength, StandardCharsets.US_ASCII).trim();
            s.lineLength = 0;
            int semi = size.indexOf(';');
            s.chunkLeft = Long.parseLong(semi >= 0 ? size.substring(0, semi) : size, 16);
            if (s.chunkLeft == 0) {
              closed(s, key, true);
              return;
            }
          } else {
            append(s, b);
          }
        } else if (s.chunkCrlf) { // the CRLF after a chunk's data
          if (bytes[i++] == '\n') {
            s.chunkCrlf = false;
            s.chunkLeft = -1;
          }
        } else {
          int take = (int) Math.min(s.chunkLeft, n - i);
          for (int j = i; j < i + take; j++) {
            sseByte(s, bytes[j]);
          }
          i += take;
          s.chunkLeft -= take;
          if (s.chunkLeft == 0) {
            s.chunkCrlf = true;
          }
        }
      }
    }

    /** SSE bytes: lines collect in the stream's own buffer; a data line is one post. */
    private void sseByte(Stream s, byte b) {
      if (b == '\n') {
        int len = s.lineLength;
        s.lineLength = 0;
        if (len > 6 && s.line[0] == 'd' && s.line[4] == ':') {
          post(s, new String(s.line, 6, len - 6, StandardCharsets.UTF_8));
        }
      } else {
        append(s, b);
      }
    }

    private void append(Stream s, byte b) {
      if (s.lineLength == s.line.length) {
        s.line = Arrays.copyOf(s.line, s.line.length * 2);
      }
      s.line[s.lineLength++] = b;
    }

    private void post(Stream s, String data) {
      long now = System.currentTimeMillis();
      try {
        JsonNode json = JSON.readTree(data);
        String text = json.path("text").asText();
        int semi = text.indexOf(';');
        if (!text.startsWith("k=") || semi < 0) {
          return; // "first", the conversation's opening post
        }
        int k = Integer.parseInt(text.substring(2, semi));
        long sentAt = Long.parseLong(text.substring(semi + 3));
        Instant at = Instant.parse(json.path("at").asText());
        synchronized (s) {
          if (s.received.get(k)) {
            s.duplicates++;
          } else {
            s.received.set(k);
          }
        }
        s.count.incrementAndGet();
        long atMicros = at.getEpochSecond() * 1_000_000 + at.getNano() / 1000;
        commitLatency.add(Math.max(0, now * 1000 - atMicros));
        sentLatency.add(Math.max(0, (now - sentAt) * 1000));
      } catch (IOException | RuntimeException e) {
        failures.incrementAndGet();
      }
    }

    /** Header bytes up to the blank line; returns the next index, or -1 when the stream was refused. */
    private int headerByte(Stream s, SelectionKey key, byte[] data, int i) {
      byte b = data[i++];
      if (b != '\n') {
        append(s, b);
        return i;
      }
      String headerLine = new String(s.line, 0, s.lineLength, StandardCharsets.US_ASCII).trim();
      s.lineLength = 0;
      if (headerLine.startsWith("HTTP/1.1 ")) {
        if (!headerLine.startsWith("HTTP/1.1 200")) {
          closed(s, key, false);
          return -1;
        }
      } else if (headerLine.isEmpty()) {
        s.headersDone = true;
        s.open = true;
        s.opening.release();
      }
      return i;
    }
  }
}
