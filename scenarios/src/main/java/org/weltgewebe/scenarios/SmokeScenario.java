package org.weltgewebe.scenarios;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Refusal;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.Weave;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.persistence.JournalStatistics;

/**
 * A small built-in scenario that touches every entity once through the running node — roles
 * register and log in, knots are created, roles connect and twist, a conversation is held — and
 * then prints what the journal holds and what the region shows. It is the quickest proof that a
 * node works end to end on the database it was given.
 */
public final class SmokeScenario {
  /** Kreuzberg, Berlin: a neighbourhood with the knots and roles of the smoke run. */
  static final GeoPoint CENTRE = new GeoPoint(52.4986, 13.4030);

  private final Weave weave;
  private final PrintStream out;

  public SmokeScenario(Weave weave, PrintStream out) {
    this.weave = weave;
    this.out = out;
  }

  /** What the run produced. */
  public record Result(int roles, int knots, int threads, int posts, Region.View region) {}

  /** Runs the scenario on {@code node} and prints what was persisted. */
  public static Result runOn(WeaveNode node, PrintStream out) {
    long mark = JournalStatistics.lastOrdering(node.database());
    Result result = new SmokeScenario(node.weave(), out).run();
    out.println();
    out.println("Persisted by this run (journal in PostgreSQL " + node.database().url() + "):");
    for (Map.Entry<String, JournalStatistics.Count> e :
        JournalStatistics.byEntityType(node.database(), mark).entrySet()) {
      out.printf("  %-13s %6d events  %5d entities%n", e.getKey(), e.getValue().events(), e.getValue().entities());
    }
    return result;
  }

  /** Drives the operations; throws when the platform refuses something it should accept. */
  public Result run() {
    List<String> roles = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String roleId = Weave.newId();
      GeoPoint home = new GeoPoint(CENTRE.lat() + 0.002 * i, CENTRE.lon() - 0.003 * i);
      expect(weave.register(roleId, "Nachbar " + (i + 1), "Musterstraße " + (i + 1) + ", Berlin", home), "register");
      expect(weave.login(roleId), "login");
      roles.add(roleId);
    }
    out.println("registered and logged in " + roles.size() + " roles");

    Instant eventStart = Instant.now().plus(Duration.ofDays(3));
    List<String> knots = new ArrayList<>();
    knots.add(createKnot(roles.get(0), Knot.Type.IDEA, "Gemeinschaftsgarten am Kanal", null, null));
    knots.add(createKnot(roles.get(1), Knot.Type.EVENT, "Reparaturcafé", eventStart, eventStart.plus(Duration.ofHours(4))));
    knots.add(createKnot(roles.get(2), Knot.Type.TOOL, "Lastenrad zum Ausleihen", null, null));
    out.println("created " + knots.size() + " knots (each with its creator's design thread)");

    int threads = knots.size();
    List<String> connections = new ArrayList<>();
    for (int i = 0; i < roles.size(); i++) {
      String threadId = Weave.newId();
      Weave.ThreadOutcome outcome =
          await(weave.connect(threadId, knots.get(i % knots.size()), roles.get(i), WeaveThread.Kind.VOTE, Knot.Connection.AGREE));
      require(outcome.refusal(), "connect");
      connections.add(threadId);
      threads++;
    }
    require(await(weave.twist(connections.get(0), roles.get(0))).refusal(), "twist");
    out.println("spun " + roles.size() + " connection threads, twisted one into yarn");

    String conversationId = Weave.newId();
    expect(
        weave.startConversation(conversationId, Weave.newId(), knots.get(0), roles.get(3), "Wer gießt im August?", "Ich kann montags."),
        "start conversation");
    threads++;
    for (int i = 0; i < 3; i++) {
      expect(weave.post(conversationId, "m" + i, roles.get(i), "Ich übernehme Woche " + (i + 1) + "."), "post");
    }
    Conversation.ConversationView conversation =
        (Conversation.ConversationView) expect(weave.readConversation(conversationId, 0, 50), "read conversation");
    out.println("conversation \"" + conversation.title() + "\": " + conversation.commentCount() + " comments");

    Region.View region = awaitRegion(RegionCells.regionOf(CENTRE), knots.size(), threads);
    out.printf(
        "region %s: %d knots, %d spinning roles, %d threads (mean fade level %.3f)%n",
        region.cell(), region.knots().size(), region.spinningRoles().size(), region.threads().size(),
        region.threads().stream().mapToDouble(Region.ThreadEntry::fadeLevel).average().orElse(0));
    return new Result(roles.size(), knots.size(), threads, 3, region);
  }

  private String createKnot(String roleId, Knot.Type type, String title, Instant start, Instant end) {
    String knotId = Weave.newId();
    expect(
        weave.createKnot(knotId, Weave.newId(), roleId, type, title, "", new GeoPoint(CENTRE.lat() + 0.001, CENTRE.lon() + 0.001), start, end),
        "create knot");
    return knotId;
  }

  /**
   * Regions learn through the event stream, asynchronously; wait until the last knot and thread
   * have arrived, at most fifteen seconds.
   */
  private Region.View awaitRegion(String cell, int knots, int threads) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    Region.View view = await(weave.regionView(cell));
    while ((view.knots().size() < knots || view.threads().size() < threads) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      view = await(weave.regionView(cell));
    }
    return view;
  }

  private static Object expect(CompletionStage<?> reply, String what) {
    Object value = await(reply);
    if (value instanceof Role.Rejected r) {
      require(r.refusal(), what);
    } else if (value instanceof Knot.Rejected r) {
      require(r.refusal(), what);
    } else if (value instanceof Conversation.Rejected r) {
      require(r.refusal(), what);
    }
    return value;
  }

  private static void require(Refusal refusal, String what) {
    if (refusal != null) {
      throw new IllegalStateException(what + " was refused: " + refusal.reason());
    }
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the node did not answer", e);
    }
  }
}
