package org.weltgewebe.persistence.readmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.weltgewebe.actors.Conversation;
import org.weltgewebe.actors.EventId;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.Knot;
import org.weltgewebe.actors.Region;
import org.weltgewebe.actors.RegionCells;
import org.weltgewebe.actors.Role;
import org.weltgewebe.actors.WeaveThread;
import org.weltgewebe.persistence.TestDatabase;

/** The read models on a real PostgreSQL: each event applied once, however often it arrives. */
class ReadModelProjectionTest {
  static final Instant T0 = Instant.parse("2026-05-01T09:00:00Z");
  static final GeoPoint PLACE = new GeoPoint(52.4986, 13.4030);
  static final String CELL = RegionCells.regionOf(PLACE);

  static TestDatabase db;
  static ReadModels readModels;
  final ReadModelProjection projection = new ReadModelProjection(ReadModelProjection.CONSUMER);

  @BeforeAll
  static void database() {
    db = TestDatabase.create();
    readModels = new ReadModels(db.settings());
  }

  @AfterAll
  static void drop() {
    db.close();
  }

  @Test
  void buildsKnotThreadConversationAndRegionViewsAndAppliesEachEventOnce() throws Exception {
    List<Object[]> events =
        List.of(
            ev("role|r1", 1, new Role.Registered("r1", "Ada", new Role.PersonalData("Weg 1", PLACE), RegionCells.blur(PLACE), T0)),
            ev("role|r1", 2, new Role.LoggedIn(T0)),
            ev("knot|k1", 1, new Knot.Created("k1", "r1", Knot.Type.IDEA, "Garten", "", PLACE, null, null, T0)),
            ev("knot|k1", 2, new Knot.ThreadLed("t1", "r1", "DESIGN", null, T0)),
            ev("thread|t1", 1, new WeaveThread.Spun("t1", "r1", "k1", WeaveThread.Kind.DESIGN, PLACE, T0)),
            ev("knot|k1", 3, new Knot.ThreadLed("t2", "r1", "VOTE", Knot.Connection.AGREE, T0.plus(Duration.ofDays(2)))),
            ev("thread|t2", 1, new WeaveThread.Spun("t2", "r1", "k1", WeaveThread.Kind.VOTE, PLACE, T0.plus(Duration.ofDays(2)))),
            ev("thread|t2", 2, new WeaveThread.Twisted("r1", T0.plus(Duration.ofDays(2)))),
            ev("knot|k1", 4, new Knot.YarnAttached("t2", T0.plus(Duration.ofDays(2)))),
            ev("conversation|c1", 1, new Conversation.Started("c1", "k1", "r1", "Gießplan", new Conversation.Message("first", "r1", "Montags?", T0), T0)),
            ev("conversation|c1", 2, new Conversation.Posted(new Conversation.Message("m1", "r1", "Ja", T0.plus(Duration.ofHours(3))))));

    assertThat(applyAll(events)).isEqualTo(events.size());
    assertThat(applyAll(events)).as("a second delivery changes nothing").isZero();

    Knot.Type type = Knot.Type.IDEA;
    ReadModels.KnotRow knot = readModels.knot("k1").orElseThrow();
    assertThat(knot.type()).isEqualTo(type.name());
    assertThat(knot.threadCount()).isEqualTo(2);
    assertThat(knot.yarnCount()).isEqualTo(1);
    assertThat(knot.dissolvesAt()).as("a yarn holds the knot").isNull();
    assertThat(knot.cell()).isEqualTo(CELL);

    ReadModels.ConversationRow conversation = readModels.conversation("c1").orElseThrow();
    assertThat(conversation.commentCount()).isEqualTo(1);
    assertThat(conversation.lastActivity()).isEqualTo(T0.plus(Duration.ofHours(3)));

    Region.View region = readModels.region(CELL, T0.plus(Duration.ofDays(7)));
    assertThat(region.knots()).extracting(Region.KnotEntry::knotId).containsExactly("k1");
    assertThat(region.threads()).hasSize(1).first().satisfies(t -> {
      assertThat(t.threadId()).isEqualTo("t2");
      assertThat(t.yarn()).isTrue();
    });
    assertThat(readModels.region(RegionCells.regionOf(RegionCells.blur(PLACE)), T0).spinningRoles())
        .extracting(Region.RoleEntry::roleId).containsExactly("r1");
    assertThat(readModels.appliedEvents(ReadModelProjection.CONSUMER)).isEqualTo(events.size());
  }

  @Test
  void untwistingRestartsTheFadeAndTheKnotsDissolutionClock() throws Exception {
    Instant untwist = T0.plus(Duration.ofDays(20));
    applyAll(List.of(
        ev("knot|k2", 1, new Knot.Created("k2", "r1", Knot.Type.TOOL, "Rad", "", PLACE, null, null, T0)),
        ev("knot|k2", 2, new Knot.ThreadLed("t9", "r1", "VOTE", null, T0)),
        ev("thread|t9", 1, new WeaveThread.Spun("t9", "r1", "k2", WeaveThread.Kind.VOTE, PLACE, T0)),
        ev("thread|t9", 2, new WeaveThread.Twisted("r1", T0)),
        ev("knot|k2", 3, new Knot.YarnAttached("t9", T0)),
        ev("thread|t9", 3, new WeaveThread.Untwisted("r1", untwist)),
        ev("knot|k2", 4, new Knot.YarnDetached("t9", untwist))));
    assertThat(readModels.knot("k2").orElseThrow().dissolvesAt()).isEqualTo(untwist.plus(Duration.ofDays(7)));
    Region.View view = readModels.region(CELL, untwist.plus(Duration.ofHours(84)));
    assertThat(view.threads()).filteredOn(t -> t.threadId().equals("t9")).singleElement()
        .satisfies(t -> assertThat(t.fadeLevel()).isEqualTo(0.5));
    assertThat(readModels.region(CELL, untwist.plus(Duration.ofDays(7))).knots())
        .extracting(Region.KnotEntry::knotId).doesNotContain("k2");
  }

  @Test
  void aFailedBatchLeavesNoTraceSoItsRedeliveryAppliesIt() throws Exception {
    Object[] created = ev("knot|k3", 1, new Knot.Created("k3", "r1", Knot.Type.IDEA, "Bank", "", PLACE, null, null, T0));
    try (Connection c = db.settings().connect()) {
      c.setAutoCommit(false);
      assertThat(projection.apply(c, (EventId) created[0], created[1])).isTrue();
      c.rollback(); // the consumer crashed before committing
    }
    assertThat(readModels.knot("k3")).isEmpty();
    assertThat(applyAll(List.<Object[]>of(created))).isEqualTo(1);
    assertThat(readModels.knot("k3")).isPresent();
  }

  @Test
  void aBatchRecordsEachEventOnceSendsRunsTogetherAndItsReadsSeeWhatWasQueued() throws Exception {
    Instant led = T0.plus(Duration.ofDays(1));
    Object[] created = ev("knot|k4", 1, new Knot.Created("k4", "r1", Knot.Type.IDEA, "Brunnen", "", PLACE, null, null, T0));
    Object[] threadLed = ev("knot|k4", 2, new Knot.ThreadLed("t4", "r1", "DESIGN", null, led));
    Object[] started = ev("conversation|c4", 1,
        new Conversation.Started("c4", "k4", "r1", "Wasser", new Conversation.Message("m0", "r1", "Wann?", T0), T0));
    List<Object[]> posts = List.of(
        ev("conversation|c4", 2, new Conversation.Posted(new Conversation.Message("m1", "r1", "Heute", led))),
        ev("conversation|c4", 3, new Conversation.Posted(new Conversation.Message("m2", "r1", "Morgen", led))));
    Object[] last = ev("conversation|c4", 4, new Conversation.Posted(new Conversation.Message("m3", "r1", "Gut", led)));
    // the consumer's batch, with one event delivered twice in it
    List<Object[]> batch = List.of(created, threadLed, started, posts.get(0), posts.get(1), posts.get(0), last);

    int changed = 0;
    java.util.Optional<Region.Update> afterThreadLed;
    try (Connection c = db.settings().connect(); Statements changes = new Statements(c)) {
      c.setAutoCommit(false);
      java.util.Set<EventId> fresh = projection.record(c, batch.stream().map(e -> (EventId) e[0]).toList());
      assertThat(fresh).as("recorded once each").hasSize(6);
      afterThreadLed = java.util.Optional.empty();
      for (Object[] e : batch) {
        if (fresh.remove((EventId) e[0])) {
          projection.change(changes, (EventId) e[0], e[1]);
          changed++;
        }
        if (e == threadLed) {
          afterThreadLed = RegionUpdates.of(changes, (EventId) e[0], e[1]);
        }
      }
      assertThat(changes.queued()).as("the three posts' updates, one run not sent yet").isEqualTo(3);
      changes.flush();
      c.commit();
    }
    assertThat(changed).isEqualTo(6);
    assertThat(afterThreadLed).as("the read sent the knot's queued changes first").get()
        .isInstanceOfSatisfying(Region.KnotChanged.class,
            k -> assertThat(k.dissolvesAt()).isEqualTo(led.plus(Knot.DISSOLUTION_TIME)));
    assertThat(readModels.conversation("c4").orElseThrow().commentCount()).isEqualTo(3);
    assertThat(applyAll(batch)).as("a second delivery changes nothing").isZero();
    assertThat(readModels.conversation("c4").orElseThrow().commentCount()).isEqualTo(3);
  }

  @Test
  void aProfileUpdateReplacesTheOffersAndLeavesTheAddressOut() throws Exception {
    applyAll(List.of(
        ev("role|r7", 1, new Role.Registered("r7", "Cleo", new Role.PersonalData("Weg 7", PLACE), RegionCells.blur(PLACE), T0)),
        ev("role|r7", 2, new Role.ProfileUpdated(List.of("Lastenrad", "Leiter"), List.of("Nähen"), T0)),
        ev("role|r7", 3, new Role.ProfileUpdated(List.of("Leiter"), List.of(), T0.plusSeconds(60)))));
    try (Connection c = db.settings().connect();
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT * FROM rm_role WHERE role_id = 'r7'")) {
      assertThat(rs.next()).isTrue();
      assertThat((String[]) rs.getArray("goods").getArray()).containsExactly("Leiter");
      assertThat((String[]) rs.getArray("skills").getArray()).isEmpty();
      for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
        assertThat(String.valueOf(rs.getObject(i))).as(rs.getMetaData().getColumnName(i)).doesNotContain("Weg 7");
      }
    }
  }

  private int applyAll(List<Object[]> events) throws Exception {
    int applied = 0;
    try (Connection c = db.settings().connect()) {
      c.setAutoCommit(false);
      for (Object[] e : events) {
        if (projection.apply(c, (EventId) e[0], e[1])) {
          applied++;
        }
      }
      c.commit();
    }
    return applied;
  }

  private static Object[] ev(String persistenceId, long seq, Object event) {
    return new Object[] {new EventId(persistenceId, seq), event};
  }
}
