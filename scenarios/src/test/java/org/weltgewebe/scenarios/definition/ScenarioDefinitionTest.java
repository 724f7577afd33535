package org.weltgewebe.scenarios.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.weltgewebe.scenarios.slo.SloRules;

class ScenarioDefinitionTest {

  /** The requirement's table reproduced within ±5 % for S1 and S4, where it gives numbers. */
  @ParameterizedTest
  @ValueSource(strings = {"S1", "S4"})
  void reproducesTheRequirementsTable(String id) {
    ScenarioDefinition s = Scenarios.load(id);
    DailyTotals t = DailyTotals.of(s);
    double requests = id.equals("S1") ? 10_000 : 10_000_000;
    double events = id.equals("S1") ? 20_000 : 20_000_000;
    double tiles = id.equals("S1") ? 50_000 : 15_000_000;
    double volume = id.equals("S1") ? 3e9 : 2e12;
    assertThat(t.requests()).as("requests/day").isCloseTo(requests, within(requests * 0.05));
    assertThat(t.events()).as("events/day").isCloseTo(events, within(events * 0.05));
    assertThat(t.tileHits()).as("tile hits/day").isCloseTo(tiles, within(tiles * 0.05));
    assertThat(t.volumeBytes()).as("volume/day").isCloseTo(volume, within(volume * 0.05));
    assertThat(s.expected().requestsPerDay()).isEqualTo(requests);
  }

  /** S2 and S3 are our choices: each must reproduce what its own file claims, and lie between S1 and S4. */
  @ParameterizedTest
  @ValueSource(strings = {"S1", "S2", "S3", "S4"})
  void everyFileReproducesItsOwnExpectedTotals(String id) {
    ScenarioDefinition s = Scenarios.load(id);
    DailyTotals t = DailyTotals.of(s);
    ScenarioDefinition.Expected e = s.expected();
    assertThat(t.requests()).isCloseTo(e.requestsPerDay(), within(e.requestsPerDay() * 0.05));
    assertThat(t.events()).isCloseTo(e.eventsPerDay(), within(e.eventsPerDay() * 0.05));
    assertThat(t.tileHits()).isCloseTo(e.tileHitsPerDay(), within(e.tileHitsPerDay() * 0.05));
    assertThat(t.volumeBytes()).isCloseTo(e.volumeBytesPerDay(), within(e.volumeBytesPerDay() * 0.05));
    assertThat(s.choices()).as("every scenario says why it chose what the requirement leaves open").isNotEmpty();
    assertThat(s.id()).isEqualTo(id);
  }

  /**
   * Every scenario drives the self-governing flows at the rates its choices derive (proposals per
   * active knot, objection share, votes per vote, donations per 1,000 sessions, churn), and the
   * daily totals with them still reproduce the table (checked above for every file).
   */
  @ParameterizedTest
  @ValueSource(strings = {"S1", "S2", "S3", "S4"})
  void drivesTheSelfGoverningFlowsAtTheRatesItsChoicesDerive(String id) {
    ScenarioDefinition s = Scenarios.load(id);
    double proposals = s.perSession(Action.PROPOSE) + s.perSession(Action.PROPOSE_PAYOUT);
    assertThat(proposals).as("one proposal per 100 sessions").isCloseTo(0.01, within(1e-9));
    assertThat(s.perSession(Action.PROPOSE_PAYOUT) / proposals).as("a fifth are payouts").isCloseTo(0.2, within(1e-9));
    assertThat(s.perSession(Action.OBJECT) / proposals).as("objection share").isCloseTo(0.2, within(1e-9));
    assertThat(s.perSession(Action.VOTE) / s.perSession(Action.OBJECT)).as("direct votes per vote").isCloseTo(15, within(1e-9));
    assertThat((s.perSession(Action.DONATE) + s.perSession(Action.DONATE_ANONYMOUS)) * 1000)
        .as("donations per 1,000 sessions").isCloseTo(5, within(1e-9));
    assertThat(s.perSession(Action.LEAVE) * 30).as("share of the monthly users leaving per month").isCloseTo(0.02, within(0.002));
    assertThat(s.perSession(Action.DELEGATE) * 30).as("delegations per user per month").isCloseTo(0.1, within(0.01));
    for (Action a : java.util.List.of(Action.PROPOSAL_READ, Action.TALLY_READ, Action.REVOKE_DELEGATION,
        Action.DELEGATIONS_READ, Action.ACCOUNT_READ)) {
      assertThat(s.perSession(a)).as(a.name()).isPositive();
    }
    assertThat(s.choices()).extracting(ScenarioDefinition.Choice::what)
        .contains("proposals", "objections", "votes", "delegations", "donations", "leaving");
    // the new flows' writes are part of the persisted events the table's events column counts
    double selfGoverning = 0;
    for (Action a : java.util.List.of(Action.PROPOSE, Action.PROPOSE_PAYOUT, Action.OBJECT, Action.VOTE, Action.DELEGATE,
        Action.REVOKE_DELEGATION, Action.DONATE, Action.DONATE_ANONYMOUS, Action.LEAVE)) {
      selfGoverning += s.perSession(a) * a.eventsPersisted();
    }
    assertThat(selfGoverning * s.sessionsInDay()).as("events per day of the self-governing flows").isPositive();
    assertThat(DailyTotals.persistedPerSession(s)).isGreaterThan(selfGoverning);
  }

  @Test
  void scenariosGrowFromS1ToS4() {
    double previous = 0;
    for (String id : Scenarios.BUILT_IN) {
      double requests = DailyTotals.of(Scenarios.load(id)).requests();
      assertThat(requests).as(id).isGreaterThan(previous);
      previous = requests;
    }
  }

  /** S2 is the growth case (+50 % users), S3 a rush of 2–3× the base year's traffic in its peak hour. */
  @Test
  void s2AndS3FollowTheRequirementsWords() {
    ScenarioDefinition s1 = Scenarios.load("S1");
    ScenarioDefinition s2 = Scenarios.load("S2");
    ScenarioDefinition s3 = Scenarios.load("S3");
    assertThat(s2.monthlyActiveUsers()).isEqualTo(s1.monthlyActiveUsers() * 3 / 2);
    assertThat(s2.peaks()).isNotEmpty();
    double s1PeakHour = max(s1.sessionsPerHour());
    double s3PeakHour = max(s3.sessionsPerHour());
    assertThat(s3PeakHour / s1PeakHour).isBetween(2.0, 3.0 + 1e-9);
  }

  /** Every route an action reaches has an objective, so the run can judge it. */
  @Test
  void everyDrivenRouteHasAnObjective() {
    Set<String> objectives =
        SloRules.read(SloRules.DEFINITIONS.isAbsolute() ? SloRules.DEFINITIONS : Path.of("..").resolve(SloRules.DEFINITIONS))
            .stream()
            .map(o -> o.method() + " " + o.route())
            .collect(Collectors.toSet());
    for (Action a : Action.values()) {
      if ((a.driven() && a.kind() == Action.Kind.API) || a == Action.TILE) {
        assertThat(objectives).as(a.name()).contains(a.method() + " " + a.route());
      }
    }
  }

  @Test
  void refusesAFileWithUnknownFieldsOrAWrongDiurnalCurve(@TempDir Path dir) throws IOException {
    String s1 = new String(
        ScenarioDefinitionTest.class.getClassLoader()
            .getResourceAsStream("org/weltgewebe/scenarios/definitions/S1.json").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    Path unknownField = dir.resolve("unknown.json");
    Files.writeString(unknownField, s1.replace("\"sessionMinutes\"", "\"sessionMinutez\": 3, \"sessionMinutes\""));
    assertThatThrownBy(() -> Scenarios.load(unknownField.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sessionMinutez");
    Path missingField = dir.resolve("missing.json");
    Files.writeString(missingField, s1.replace("\"sessionMinutes\"", "\"sessionMinutez\""));
    assertThatThrownBy(() -> Scenarios.load(missingField.toString())).hasMessageContaining("sessionMinutes");
    Path shortCurve = dir.resolve("short.json");
    Files.writeString(shortCurve, s1.replaceFirst("\"diurnal\": \\[\\s*0.6,", "\"diurnal\": ["));
    assertThatThrownBy(() -> Scenarios.load(shortCurve.toString())).hasMessageContaining("24");
    assertThatThrownBy(() -> Scenarios.load("S9")).hasMessageContaining("unknown scenario 'S9'");
  }

  private static double max(double[] values) {
    double m = 0;
    for (double v : values) {
      m = Math.max(m, v);
    }
    return m;
  }
}
