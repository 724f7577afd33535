package org.weltgewebe.cluster.load.session;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.weltgewebe.actors.GeoPoint;
import org.weltgewebe.actors.RegionCells;

/**
 * What each step of a session sends and what its answer teaches, once for both drivers. A step
 * acts in the user's home cell seven times in ten, else in a cell drawn by heat; what a step needs
 * and does not find it makes: a knot read, connection, proposal or donation with no knot in the
 * cell creates one; a vote with no proposal put to the vote objects to an open one (which puts it
 * to the vote), an objection with no open proposal proposes one, a tally read with no closed
 * proposal reads any, a read with none proposes; a revocation by a user who does not delegate
 * delegates first.
 */
public final class Moves {
  public static final String KNOT_DESCRIPTION = "Fahrradwerkstatt im Hinterhof";
  public static final String KNOT_TITLE = "Reparaturcafé ";
  public static final String CONVERSATION_TITLE = "Wer hilft mit?";
  public static final String CONVERSATION_TEXT = "Samstag ab zehn im Hof.";
  public static final String MESSAGE = "Bin dabei, bringe Werkzeug mit.";
  public static final String PROPOSAL_TITLE = "Neues Schloss für den Werkzeugschuppen";
  public static final String PROPOSAL_TEXT = "Das alte klemmt; ich besorge ein neues.";
  public static final List<String> GOODS = List.of("Lastenrad");
  public static final List<String> SKILLS = List.of("Fahrradreparatur");
  private static final String[] WORDS = {"fahrrad", "werkstatt", "garten", "repair", "werkzeug", "nachbar", "fest", "kreuzberg"};

  private final Population population;

  public Moves(Population population) {
    this.population = population;
  }

  public Population population() {
    return population;
  }

  /** {@code user} registers a role (its home is its cell's centre). */
  public Move register(User user) {
    return Move.of(SessionStep.REGISTER, user, user.cell(), 0).at(RegionCells.centreOf(user.cell()));
  }

  public Move login(User user) {
    return Move.of(SessionStep.LOGIN, user, user.cell(), 0);
  }

  public Move logout(User user, double pause) {
    return Move.of(SessionStep.LOGOUT, user, user.cell(), pause);
  }

  /** A new knot in {@code cell}, a little off its centre. */
  public Move createKnot(User user, String cell, SplittableRandom random, double pause) {
    GeoPoint centre = RegionCells.centreOf(cell);
    String type = random.nextBoolean() ? "IDEA" : "TOOL";
    int number = random.nextInt(1000);
    GeoPoint location = new GeoPoint(centre.lat() + (random.nextDouble() - 0.5) * 0.01, centre.lon() + (random.nextDouble() - 0.5) * 0.01);
    return Move.of(SessionStep.CREATE_KNOT, user, cell, pause).saying(type).amounting(number).at(location);
  }

  /** A conversation on {@code knot}. */
  public Move startConversation(User user, String knot, double pause) {
    return Move.of(SessionStep.START_CONVERSATION, user, user.cell(), pause).on(knot);
  }

  /**
   * {@code step} by {@code user}, resolved against what the users know; null when it cannot be
   * done (no conversation known for a read, no thread to twist).
   */
  public Move resolve(SessionStep step, User user, SplittableRandom random, double pause) {
    String cell = random.nextDouble() < 0.7 ? user.cell() : population.cellByHeat(random);
    String knot = Population.anyOf(population.knots(cell), random);
    String conversation = Population.anyOf(population.conversations(), random);
    Move here = Move.of(step, user, cell, pause);
    switch (step) {
      case REGION_VIEW:
      case KNOT_LIST:
      case REGION_FEED:
      case TILE:
        return here;
      case KNOT_READ:
      case CONNECT:
        if (knot == null) {
          return createKnot(user, cell, random, pause);
        }
        return step == SessionStep.CONNECT ? here.on(knot).saying(random.nextBoolean() ? "INTEREST" : "AGREE") : here.on(knot);
      case PROFILE_READ: {
        User other = population.anyUser(random);
        return here.on(other.registered() ? other.id() : user.id());
      }
      case SEARCH:
        return here.saying(WORDS[random.nextInt(WORDS.length)]);
      case CONVERSATION_READ:
      case POST:
      case CONVERSATION_FEED:
      case CHAT:
        return conversation == null ? null : here.on(conversation);
      case CREATE_KNOT:
        return createKnot(user, cell, random, pause);
      case START_CONVERSATION:
        return knot == null ? null : here.on(knot);
      case TWIST:
      case UNTWIST:
        return user.threads().isEmpty() ? null : here.on(user.threads().get(random.nextInt(user.threads().size())));
      case PROFILE_UPDATE:
      case LEAVE:
      case LOGOUT:
        return here;
      case LOGIN:
        // a single login (the coverage phase's): the user logs in again with its registration's token
        return login(user);
      case REGISTER:
        // a single registration (the coverage phase's): any user registers anew
        return register(population.anyUser(random));
      case PROPOSE:
      case PROPOSE_PAYOUT:
      case PROPOSAL_READ:
      case OBJECT:
      case VOTE:
      case TALLY_READ:
        return proposal(step, user, cell, knot, random, pause);
      case DELEGATE:
      case REVOKE_DELEGATION:
      case DELEGATIONS_READ:
        return delegation(step, user, random, pause);
      case DONATE:
      case DONATE_ANONYMOUS:
      case ACCOUNT_READ:
        return account(step, user, cell, knot, random, pause);
      default:
        return null;
    }
  }

  private Move proposal(SessionStep step, User user, String cell, String knot, SplittableRandom random, double pause) {
    Move here = Move.of(step, user, cell, pause);
    switch (step) {
      case PROPOSE:
      case PROPOSE_PAYOUT: {
        String funded = step == SessionStep.PROPOSE_PAYOUT ? population.fundedKnot(random) : null;
        String on = funded != null ? funded : knot;
        if (on == null) {
          return createKnot(user, cell, random, pause);
        }
        return step == SessionStep.PROPOSE_PAYOUT ? here.on(on).amounting(300 + random.nextInt(1200)) : here.on(on);
      }
      case OBJECT: {
        String open = population.proposalIn("OBJECTABLE", random);
        return open == null ? proposal(SessionStep.PROPOSE, user, cell, knot, random, pause) : here.on(open);
      }
      case VOTE: {
        String voting = population.proposalIn("VOTING", random);
        if (voting == null) {
          return proposal(SessionStep.OBJECT, user, cell, knot, random, pause);
        }
        double u = random.nextDouble();
        return here.on(voting).saying(u < 0.6 ? "YES" : u < 0.9 ? "NO" : "ABSTAIN");
      }
      case TALLY_READ: {
        String closed = population.proposalIn("CLOSED", random);
        return closed == null ? proposal(SessionStep.PROPOSAL_READ, user, cell, knot, random, pause) : here.on(closed);
      }
      default: {
        String any = population.anyProposal(random);
        return any == null ? proposal(SessionStep.PROPOSE, user, cell, knot, random, pause)
            : Move.of(SessionStep.PROPOSAL_READ, user, cell, pause).on(any);
      }
    }
  }

  /** Delegating in one's home district to another registered user. */
  private Move delegation(SessionStep step, User user, SplittableRandom random, double pause) {
    String home = user.cell();
    if (step == SessionStep.DELEGATIONS_READ) {
      return Move.of(step, user, home, pause);
    }
    if (step == SessionStep.REVOKE_DELEGATION && user.delegating()) {
      return Move.of(step, user, home, pause);
    }
    User delegate = population.anyUser(random);
    if (delegate == user || !delegate.registered()) {
      delegate = population.registered(random);
    }
    if (delegate == null || delegate == user) {
      return Move.of(SessionStep.DELEGATIONS_READ, user, home, pause);
    }
    Move delegating = Move.of(SessionStep.DELEGATE, user, home, pause).on(delegate.id());
    return step == SessionStep.REVOKE_DELEGATION ? delegating.revokingAfter() : delegating;
  }

  /** A donation (EUR 2–50) to a knot of the cell, or a look at a funded knot's account. */
  private Move account(SessionStep step, User user, String cell, String knot, SplittableRandom random, double pause) {
    if (step == SessionStep.ACCOUNT_READ) {
      String funded = population.fundedKnot(random);
      String on = funded != null && random.nextBoolean() ? funded : knot != null ? knot : funded;
      return on == null ? createKnot(user, cell, random, pause) : Move.of(step, user, cell, pause).on(on);
    }
    if (knot == null) {
      return createKnot(user, cell, random, pause);
    }
    return Move.of(step, user, cell, pause).on(knot).amounting(200 + random.nextInt(4800));
  }

  /**
   * Learns from {@code answer} to {@code move}: the ids it made, a token, a proposal's phase, a
   * departure. Returns the move that must follow at once, if any (a revocation after delegating).
   */
  public Optional<Move> learn(Move move, Answer answer) {
    User user = move.user();
    SessionStep step = move.step();
    if (answer.outcome() == Answer.Outcome.REFUSED && isProposalStep(step) && move.target() != null) {
      // refused because the proposal's phase changed (objected, voting, closed)
      population.learnProposal(move.target(), Population.STALE);
    }
    if (!answer.isDone()) {
      return Optional.empty();
    }
    switch (step) {
      case REGISTER:
        if (answer.id() != null) {
          user.registeredAs(answer.id(), answer.token());
        }
        break;
      case REGION_VIEW:
      case KNOT_LIST:
        answer.knots().forEach(k -> population.learnKnot(move.cell(), k));
        break;
      case CREATE_KNOT:
        if (answer.id() != null) {
          population.learnKnot(answer.cell() != null ? answer.cell() : move.cell(), answer.id());
        }
        break;
      case START_CONVERSATION:
        if (answer.id() != null) {
          population.learnConversation(answer.id());
        }
        break;
      case CONNECT:
        user.spun(answer.id());
        break;
      case PROPOSE:
      case PROPOSE_PAYOUT:
      case PROPOSAL_READ:
      case OBJECT:
      case VOTE: {
        String id = answer.id() != null ? answer.id() : move.target();
        if (id != null && answer.phase() != null) {
          population.learnProposal(id, answer.phase());
        }
        break;
      }
      case DELEGATE:
        user.delegating(true);
        if (move.thenRevoke()) {
          return Optional.of(Move.of(SessionStep.REVOKE_DELEGATION, user, move.cell(), 0));
        }
        break;
      case REVOKE_DELEGATION:
        user.delegating(false);
        break;
      case DONATE:
      case DONATE_ANONYMOUS:
        population.learnFundedKnot(move.target());
        break;
      case LEAVE:
        user.departed();
        break;
      default:
        break;
    }
    return Optional.empty();
  }

  private static boolean isProposalStep(SessionStep step) {
    return step == SessionStep.OBJECT || step == SessionStep.VOTE || step == SessionStep.PROPOSAL_READ || step == SessionStep.TALLY_READ;
  }
}
