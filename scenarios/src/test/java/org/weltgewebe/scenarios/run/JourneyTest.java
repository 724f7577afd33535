package org.weltgewebe.scenarios.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.weltgewebe.cluster.load.session.Population;
import org.weltgewebe.cluster.load.session.SessionStep;
import org.weltgewebe.cluster.load.session.User;
import org.weltgewebe.cluster.load.session.UserSession;
import org.weltgewebe.scenarios.definition.Action;
import org.weltgewebe.scenarios.definition.ScenarioDefinition;
import org.weltgewebe.scenarios.definition.Scenarios;

/** The user model apart from any transport: what a session, a single request and the setup send. */
class JourneyTest {
  private final ScenarioDefinition s1 = Scenarios.load("S1");

  @Test
  void aNewUsersSessionRegistersLogsInActsWithItsSessionsTokenAndLogsOut() {
    World world = new World(s1, 24, 7);
    Journey journey = Journey.session(world, new SplittableRandom(3));

    assertTrue(journey.advance());
    Journey.Step first = journey.current();
    assertEquals("POST /roles", first.name(), "a user without a token registers first");
    assertNotNull(first.body());
    journey.answered(first, 201, json("{\"roleId\":\"r-1\",\"accessToken\":\"tok\"}"), null);
    assertTrue(journey.advance());
    Journey.Step login = journey.current();
    assertEquals("/roles/r-1/session", login.path(), "then it logs in, as every session does");
    assertEquals("POST", login.method());
    assertEquals("tok", login.token(), "with the token its registration answered");
    journey.answered(login, 200, json("{\"roleId\":\"r-1\",\"token\":{\"accessToken\":\"session-tok\"}}"), null);

    List<Journey.Step> steps = new ArrayList<>();
    while (journey.advance()) {
      Journey.Step step = journey.current();
      steps.add(step);
      journey.answered(step, 200, new byte[0], null);
    }
    Journey.Step last = steps.get(steps.size() - 1);
    assertEquals("DELETE", last.method());
    assertEquals("/roles/r-1/session", last.path(), "the session ends with a logout of the registered role");
    for (Journey.Step step : steps) {
      if (step.action().writes() && step.transport() == Journey.Transport.HTTP) {
        assertEquals("session-tok", step.token(), step.name() + " carries the token the session's log-in answered");
      }
    }
    long tiles = steps.stream().filter(s -> s.action() == Action.TILE).count();
    assertEquals(0, tiles % Journey.TILES_PER_VIEW, "tiles come by whole viewports of " + Journey.TILES_PER_VIEW);
    assertTrue(tiles > 0, "S1's sessions view tiles (500 per session on average)");
  }

  @Test
  void aShedRequestOfAUserIsSentAgainAfterItsRetryAfterTwiceAtMost() {
    World world = new World(s1, 24, 7);
    Journey journey = Journey.session(world, new SplittableRandom(3));
    assertTrue(journey.advance());
    Journey.Step register = journey.current();

    journey.answered(register, 503, new byte[0], "2");
    assertTrue(journey.advance());
    Journey.Step retry = journey.current();
    assertEquals(register.path(), retry.path());
    assertEquals(2.0, retry.pauseSeconds(), 1e-9, "the retry waits for the Retry-After");
    assertEquals(1, retry.attempt());

    journey.answered(retry, 503, new byte[0], "not a number");
    assertTrue(journey.advance());
    assertEquals(1.0, journey.current().pauseSeconds(), 1e-9, "an unreadable Retry-After counts as one second");
    journey.answered(journey.current(), 503, new byte[0], "1");
    assertFalse(journey.advance(), "after the second retry is shed too, a user without a token gives up");
  }

  @Test
  void aSingleRequestOfTheOverloadMixIsSentOnceWithoutRetry() {
    World world = new World(s1, 24, 7);
    world.population().user(0).registeredAs("r-0", "tok");
    Map<Action, Double> mix = new EnumMap<>(Action.class);
    mix.put(Action.SEARCH, 1.0);
    Journey journey = Journey.single(world, mix, new SplittableRandom(1));

    assertTrue(journey.advance());
    assertTrue(journey.current().path().startsWith("/search?q="));
    journey.answered(journey.current(), 503, new byte[0], "1");
    assertFalse(journey.advance(), "probe and overload offer raw load: a shed request is not sent again");
  }

  @Test
  void aRegionsAnswerTeachesEveryKnotIdInItAtAnyDepth() {
    World world = new World(s1, 24, 7);
    world.population().user(0).registeredAs("r-0", "tok");
    Journey viewing = Journey.single(world, Map.of(Action.REGION_VIEW, 1.0), new SplittableRandom(1));
    Journey.Step view = only(viewing);
    assertEquals("GET /regions/{cell}", view.name());
    String cell = view.path().substring("/regions/".length());
    viewing.answered(view, 200, json("{\"cell\":\"" + cell + "\",\"center\":{\"lat\":52.520008,\"lng\":13.404954},"
        + "\"knots\":[{\"knotId\":\"k-7\",\"at\":[52.1,13.2],\"threads\":[{\"knotId\":\"k-8\"}]},{\"knotId\":\"k-9\"}]}"), null);
    assertEquals(List.of("k-7", "k-8", "k-9"), world.population().knots(cell));
  }

  @Test
  void aVoteFindsOrMakesTheProposalItNeeds() {
    World world = new World(s1, 24, 7);
    world.population().user(0).registeredAs("r-0", "tok");
    world.cellsByHeat().forEach(cell -> world.population().learnKnot(cell, "k-1"));
    Map<Action, Double> vote = Map.of(Action.VOTE, 1.0);

    Journey proposing = Journey.single(world, vote, new SplittableRandom(1));
    Journey.Step first = only(proposing);
    assertEquals("POST /knots/{id}/proposals", first.name(), "no proposal is known: the vote's user proposes one");
    assertEquals("/knots/k-1/proposals", first.path());
    proposing.answered(first, 201, json("{\"proposalId\":\"p-1\",\"phase\":\"OBJECTABLE\"}"), null);

    Journey objecting = Journey.single(world, vote, new SplittableRandom(1));
    Journey.Step second = only(objecting);
    assertEquals("/proposals/p-1/objections", second.path(), "an open proposal is objected to, which puts it to the vote");
    objecting.answered(second, 200, json("{\"proposalId\":\"p-1\",\"phase\":\"VOTING\"}"), null);

    Journey voting = Journey.single(world, vote, new SplittableRandom(1));
    Journey.Step third = only(voting);
    assertEquals("PUT /proposals/{id}/vote", third.name());
    assertEquals("/proposals/p-1/vote", third.path());
    assertTrue(third.body().contains("choice"));
    voting.answered(third, 409, json("{\"status\":409}"), null);
    assertEquals("/proposals/p-1", only(Journey.single(world, Map.of(Action.PROPOSAL_READ, 1.0), new SplittableRandom(1))).path(),
        "a refused vote leaves the proposal to be read again");
  }

  @Test
  void aLeavingUserIsNeverAPreparedOneAndRegistersAgainNextTime() {
    World world = new World(s1, 24, 7);
    Journey leaving = Journey.single(world, Map.of(Action.LEAVE, 1.0), new SplittableRandom(5));
    assertTrue(leaving.advance());
    assertEquals("POST /roles", leaving.current().name(), "a user who never registered registers before leaving");
    leaving.answered(leaving.current(), 201, json("{\"roleId\":\"r-9\",\"accessToken\":\"tok-9\"}"), null);
    assertTrue(leaving.advance());
    Journey.Step leave = leaving.current();
    assertEquals("DELETE /roles/{id}", leave.name());
    assertEquals("/roles/r-9", leave.path());
    assertEquals("tok-9", leave.token());
    leaving.answered(leave, 204, new byte[0], null);
    assertFalse(leaving.advance());
    for (int i = 0; i < world.population().owned(); i++) {
      assertFalse("r-9".equals(world.population().user(i).id()), "the role that left is forgotten: its user registers anew");
    }
    assertTrue(world.population().leaver(new SplittableRandom(5)).index() >= Population.PREPARED);
  }

  @Test
  void aSessionThatLeavesEndsWithTheDepartureNotALogout() {
    Map<Action, Double> actions = new EnumMap<>(Action.class);
    actions.put(Action.LEAVE, 1.0);
    actions.put(Action.DONATE, 1.0);
    actions.put(Action.DELEGATIONS_READ, 1.0);
    ScenarioDefinition leavers = new ScenarioDefinition(s1.schemaVersion(), "leavers", s1.name(), s1.description(),
        s1.monthlyActiveUsers(), s1.sessionsPerDay(), s1.sessionMinutes(), actions, s1.bytesPerAction(), s1.live(), s1.diurnal(),
        s1.peaks(), s1.geography(), s1.errorBudget(), s1.overload(), s1.expected(), s1.choices());
    World world = new World(leavers, 24, 7);
    Journey journey = Journey.session(world, new SplittableRandom(2));
    assertTrue(journey.advance());
    journey.answered(journey.current(), 201, json("{\"roleId\":\"r-1\",\"accessToken\":\"tok\"}"), null);
    List<Journey.Step> steps = new ArrayList<>();
    while (journey.advance()) {
      steps.add(journey.current());
      journey.answered(journey.current(), 204, new byte[0], null);
    }
    assertEquals("DELETE /roles/{id}", steps.get(steps.size() - 1).name(), "leaving is the session's last step: " + steps);
    assertTrue(steps.stream().noneMatch(st -> st.action() == Action.LOGOUT), "a role that left does not log out");
  }

  /**
   * A returning user logs in with its registration's token: the token of its last session's log-in
   * was revoked by that session's log-out, and a log-in or chat with it is refused (401).
   */
  @Test
  void aReturningUsersSessionLogsInWithItsRegistrationsTokenAndChatsWithItsOwnLogIns() {
    World world = new World(s1, 24, 7);
    User user = world.population().user(0);
    user.registeredAs("r-0", "registration-token");
    world.cellsByHeat().forEach(cell -> world.population().learnKnot(cell, "k-1"));
    List<SessionStep> steps = List.of(SessionStep.START_CONVERSATION, SessionStep.CHAT, SessionStep.POST);

    for (String sessionToken : List.of("first-session-token", "second-session-token")) {
      Journey journey = Journey.of(world, UserSession.session(world.moves(), user, steps, 0, new SplittableRandom(1)));
      assertTrue(journey.advance());
      Journey.Step login = journey.current();
      assertEquals("POST /roles/{id}/session", login.name());
      assertEquals("registration-token", login.token(), "the session logs in with the token no log-out revoked");
      journey.answered(login, 200, json("{\"token\":{\"accessToken\":\"" + sessionToken + "\"}}"), null);
      List<Journey.Step> sent = new ArrayList<>();
      while (journey.advance()) {
        Journey.Step step = journey.current();
        sent.add(step);
        journey.answered(step, 201, json("{\"conversationId\":\"c-1\"}"), null);
      }
      assertEquals(List.of("POST /knots/{id}/conversations", "GET /conversations/{id}/chat", "POST /conversations/{id}/messages",
          "DELETE /roles/{id}/session"), sent.stream().map(Journey.Step::name).toList());
      assertEquals("/conversations/c-1/chat?access_token=" + sessionToken, sent.get(1).path(), "the chat opens with the session's token");
      for (Journey.Step step : List.of(sent.get(0), sent.get(2), sent.get(3))) {
        assertEquals(sessionToken, step.token(), step.name() + " carries the session's token; the log-out revokes that one");
      }
    }
  }

  @Test
  void aSessionWhoseLogInIsRefusedEndsWithoutActing() {
    World world = new World(s1, 24, 7);
    world.population().user(0).registeredAs("r-0", "revoked-token");
    Journey journey = Journey.of(world,
        UserSession.session(world.moves(), world.population().user(0), List.of(SessionStep.POST), 0, new SplittableRandom(1)));
    assertTrue(journey.advance());
    assertEquals("POST /roles/{id}/session", journey.current().name());
    journey.answered(journey.current(), 401, json("{\"status\":401}"), null);
    assertFalse(journey.advance(), "without a token of its own the session has nothing to act or log out with");
  }

  private static Journey.Step only(Journey journey) {
    assertTrue(journey.advance());
    return journey.current();
  }

  @Test
  void aSingleRegistrationOfTheCoverageRegistersARoleAnewAndTheWorldGoesOnWithIt() {
    World world = new World(s1, 24, 7);
    for (int i = 0; i < world.population().owned(); i++) {
      world.population().user(i).registeredAs("old-" + i, "old-token-" + i);
      world.population().user(i).spun("thread-of-old-" + i);
    }
    Map<Action, Double> mix = new EnumMap<>(Action.class);
    mix.put(Action.REGISTER, 1.0);
    Journey journey = Journey.single(world, mix, new SplittableRandom(1));

    assertTrue(journey.advance());
    Journey.Step step = journey.current();
    assertEquals("POST /roles", step.name());
    assertEquals(Action.REGISTER, step.action());
    assertTrue(step.body().contains("homeAddress"), step.body());
    journey.answered(step, 201, json("{\"roleId\":\"new\",\"accessToken\":\"new-token\"}"), null);
    assertFalse(journey.advance());

    List<User> renewed = new ArrayList<>();
    for (int i = 0; i < world.population().owned(); i++) {
      if ("new".equals(world.population().user(i).id())) {
        renewed.add(world.population().user(i));
      }
    }
    assertEquals(1, renewed.size(), "exactly one of the world's users has the new role");
    assertEquals("new-token", renewed.get(0).token());
    assertTrue(renewed.get(0).threads().isEmpty(), "the new role has none of the old one's threads");
  }

  @Test
  void theSetupRegistersTheFirstRolesAndSeedsTheHottestCellsAndAConversation() {
    World world = new World(s1, 24, 7);
    Journey setup = Journey.setup(world, new SplittableRandom(5));
    List<String> names = new ArrayList<>();
    int n = 0;
    while (setup.advance()) {
      Journey.Step step = setup.current();
      names.add(step.name());
      String answer = switch (step.action()) {
        case REGISTER -> "{\"roleId\":\"r-" + n + "\",\"accessToken\":\"t-" + n + "\"}";
        case CREATE_KNOT -> "{\"knotId\":\"k-" + n + "\"}";
        case START_CONVERSATION -> "{\"conversationId\":\"c-" + n + "\"}";
        default -> "{}";
      };
      n++;
      setup.answered(step, 201, json(answer), null);
    }
    assertEquals(20, names.stream().filter("POST /roles"::equals).count());
    assertEquals(3, names.stream().filter("POST /knots"::equals).count());
    assertEquals(List.of("c-23"), world.population().conversations());
    assertFalse(world.population().knots(world.cellsByHeat().get(0)).isEmpty(), "the hottest cell has a knot to connect to");
  }

  @Test
  void usersLiveMostlyInTheHotCells() {
    World world = new World(s1, 24, 7);
    String hottest = world.cellsByHeat().get(0);
    String coldest = world.cellsByHeat().get(world.cellsByHeat().size() - 1);
    SplittableRandom random = new SplittableRandom(11);
    int hot = 0;
    int cold = 0;
    for (int i = 0; i < 10_000; i++) {
      String cell = world.cellByHeat(random.nextDouble());
      hot += cell.equals(hottest) ? 1 : 0;
      cold += cell.equals(coldest) ? 1 : 0;
    }
    assertTrue(hot > 10 * Math.max(1, cold), "Zipf skew: hottest " + hot + " vs coldest " + cold);
  }

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
