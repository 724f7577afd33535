package org.weltgewebe.cluster.load.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * One user's session as data, the same for both drivers: register (the first time), log in, do
 * each action of the scenario its mean number of times in random order with think time between,
 * and log out (a user who left does not); or a single request of a mix (probe, overload,
 * coverage); or the setup that gives a fresh platform its first roles, knots and a conversation.
 * A driver asks {@link #next()} for the next {@link Move}, sends it through its
 * {@link MoveInterpreter}, and hands what came back to {@link #answered}.
 *
 * <p>A session is used by one driver thread at a time; the {@link Population} it grows is shared.
 */
public final class UserSession {
  /** Cells the setup gives a knot, hottest first. */
  public static final int PREPARED_CELLS = 3;

  private enum Kind {
    SESSION,
    SINGLE,
    SETUP
  }

  private final Moves moves;
  private final Kind kind;
  private final User user;
  private final SplittableRandom random;
  private final Deque<SessionStep> steps = new ArrayDeque<>();
  private final Deque<Move> following = new ArrayDeque<>();
  private final double thinkSeconds;
  private final List<String> hotCells;
  private boolean started;
  private boolean loginSent;
  /** Whether the session's log-in was done: a session whose log-in was refused or unanswered ends. */
  private boolean loggedIn;
  /** The token the session's log-in answered (the HTTP driver's), which its log-out revokes. */
  private String sessionToken;
  private boolean ended;
  private int setupStage;

  private UserSession(Moves moves, Kind kind, User user, List<SessionStep> steps, double thinkSeconds, List<String> hotCells,
      SplittableRandom random) {
    this.moves = moves;
    this.kind = kind;
    this.user = user;
    this.steps.addAll(steps);
    this.thinkSeconds = thinkSeconds;
    this.hotCells = List.copyOf(hotCells);
    this.random = random;
  }

  /** A whole session of {@code user} doing {@code steps} (see {@link #draw}), {@code thinkSeconds} apart on average. */
  public static UserSession session(Moves moves, User user, List<SessionStep> steps, double thinkSeconds, SplittableRandom random) {
    return new UserSession(moves, Kind.SESSION, user, steps, thinkSeconds, List.of(), random);
  }

  /**
   * One {@code step} by a registered prepared user, sent at once; a leave by a user who is not
   * prepared (registering first when it has not yet). Over at once when there is no such user.
   */
  public static UserSession single(Moves moves, SessionStep step, SplittableRandom random) {
    if (step == null) {
      return new UserSession(moves, Kind.SINGLE, null, List.of(), 0, List.of(), random);
    }
    // a prepared user never leaves: another one does (registering first when it has not yet)
    User user = step == SessionStep.LEAVE ? moves.population().leaver(random) : moves.population().registered(random);
    return new UserSession(moves, Kind.SINGLE, user, List.of(step), 0, List.of(), random);
  }

  /** Registers the prepared users, gives the hottest of {@code cellsByHeat} a knot and the platform a conversation. */
  public static UserSession setup(Moves moves, List<String> cellsByHeat, SplittableRandom random) {
    return new UserSession(moves, Kind.SETUP, null, List.of(), 0,
        cellsByHeat.subList(0, Math.min(PREPARED_CELLS, cellsByHeat.size())), random);
  }

  /**
   * The steps of one session: each step the driver {@code sends} its mean number of times (the
   * fraction by chance; a TILE step fetches a viewport, so its mean is divided by the tiles in
   * one), in random order, leaving last.
   */
  public static List<SessionStep> draw(Map<SessionStep, Double> meanPerSession, Predicate<SessionStep> sends, SplittableRandom random) {
    Map<SessionStep, Double> ordered = new EnumMap<>(SessionStep.class);
    ordered.putAll(meanPerSession);
    List<SessionStep> drawn = new ArrayList<>();
    ordered.forEach((step, perSession) -> {
      if (!step.isAction() || !sends.test(step) || !(perSession > 0)) {
        return;
      }
      double mean = perSession / step.requests();
      long n = (long) Math.floor(mean) + (random.nextDouble() < mean - Math.floor(mean) ? 1 : 0);
      for (long i = 0; i < n; i++) {
        drawn.add(step);
      }
    });
    Collections.shuffle(drawn, new Random(random.nextLong()));
    // leaving ends the session: whatever else the user does comes first
    if (drawn.remove(SessionStep.LEAVE)) {
      drawn.add(SessionStep.LEAVE);
    }
    return drawn;
  }

  /** Mean think time between the moves of a session of {@code sessionMinutes} virtual minutes, in wall seconds. */
  public static double thinkSeconds(double sessionMinutes, double compression, List<SessionStep> steps) {
    return sessionMinutes * 60 / compression / Math.max(1, steps.size() + 2);
  }

  /** A step drawn from {@code mix} by weight, or null when the mix is empty. */
  public static SessionStep pick(Map<SessionStep, Double> mix, SplittableRandom random) {
    double total = mix.values().stream().mapToDouble(Double::doubleValue).sum();
    double u = random.nextDouble() * total;
    SessionStep chosen = null;
    for (Map.Entry<SessionStep, Double> e : mix.entrySet()) {
      chosen = e.getKey();
      u -= e.getValue();
      if (u < 0) {
        break;
      }
    }
    return chosen;
  }

  /** The user of a session or single request (null for the setup, or when no user was at hand). */
  public User user() {
    return user;
  }

  /** The next move, or null when the session is over. */
  public Move next() {
    if (!following.isEmpty()) {
      return following.poll();
    }
    return switch (kind) {
      case SESSION -> nextInSession();
      case SINGLE -> nextSingle();
      case SETUP -> nextInSetup();
    };
  }

  /** Takes what came back for {@code move}. */
  public void answered(Move move, Answer answer) {
    if (kind == Kind.SESSION && move.step() == SessionStep.LOGIN) {
      loggedIn = answer.isDone();
      sessionToken = answer.token();
    }
    moves.learn(move, answer).ifPresent(following::add);
  }

  /**
   * The access token {@code move} carries (the HTTP driver's): in a session, the one its own log-in
   * answered, which its log-out revokes; the log-in itself, a single request and the setup carry the
   * user's (its registration's), which no log-out revokes.
   */
  public String token(Move move) {
    return sessionToken != null && move.step() != SessionStep.LOGIN ? sessionToken : move.user().token();
  }

  private Move nextInSession() {
    if (!started) {
      started = true;
      if (!user.registered()) {
        return moves.register(user);
      }
    }
    if (!user.registered()) {
      return null;
    }
    if (!loginSent) {
      loginSent = true;
      return moves.login(user);
    }
    if (!loggedIn) {
      return null;
    }
    while (!steps.isEmpty()) {
      SessionStep step = steps.poll();
      if (step == SessionStep.LEAVE) {
        ended = true; // a user who left does not log out
      }
      Move move = moves.resolve(step, user, random, thinkSeconds * (0.5 + random.nextDouble()));
      if (move != null) {
        return move;
      }
    }
    if (!ended) {
      ended = true;
      return moves.logout(user, thinkSeconds);
    }
    return null;
  }

  private Move nextSingle() {
    if (user == null || steps.isEmpty()) {
      return null;
    }
    if (!user.registered()) {
      // only a leaver can be unregistered here: it registers once, then leaves
      if (started) {
        return null;
      }
      started = true;
      return moves.register(user);
    }
    return moves.resolve(steps.poll(), user, random, 0);
  }

  private Move nextInSetup() {
    Population population = moves.population();
    while (setupStage < Population.PREPARED) {
      User u = population.prepared(setupStage++);
      if (u != null && !u.registered()) {
        return moves.register(u);
      }
    }
    User someone = population.registered(random);
    if (someone == null) {
      return null;
    }
    while (setupStage < Population.PREPARED + hotCells.size()) {
      String cell = hotCells.get(setupStage++ - Population.PREPARED);
      if (population.knots(cell).isEmpty()) {
        return moves.createKnot(someone, cell, random, 0);
      }
    }
    if (setupStage == Population.PREPARED + hotCells.size()) {
      setupStage++;
      String knot = population.firstKnot();
      if (population.conversations().isEmpty() && knot != null) {
        return moves.startConversation(someone, knot, 0);
      }
    }
    return null;
  }
}
