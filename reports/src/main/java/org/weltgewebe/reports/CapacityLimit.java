package org.weltgewebe.reports;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.weltgewebe.reports.CapacityReport.ProcessCpu;
import org.weltgewebe.reports.CapacityReport.ScenarioNeed;
import org.weltgewebe.reports.CapacityReport.Step;
import org.weltgewebe.reports.SectionText.Block;
import org.weltgewebe.reports.SectionText.Paragraph;
import org.weltgewebe.reports.SectionText.Table;

/**
 * What stops one node in a capacity search, at what rate, and what that means for replaying each
 * scenario's whole day time-compressed (issue 14: the full S4 day in at most 60 minutes, or the
 * report says exactly which resource stops it and at what rate).
 *
 * <p>The resource is read off the step that ended the search ({@link CapacityReport#endingStep}: the
 * latest run at the lowest rate that broke twice in a row, which a refining search follows with lower rates):
 * <ul>
 *   <li>{@link Kind#HOST_CPU} when the platform ran on the search's host and the host kept at least
 *       {@value #SATURATED_PERCENT} % of its cores busy: the node, PostgreSQL, NATS and the load
 *       generator share them, and the split by process ({@link ProcessCpu}) says who took what;
 *   <li>{@link Kind#GENERATOR} when the step offered at least {@value #SATURATED_PERCENT} % of the
 *       generator's own ceiling, or the platform is remote and the generator's host was that busy;
 *   <li>{@link Kind#ADMISSION} when cores were left idle and a route broke its availability with
 *       shed 503s among its failures: the node's admission limit turned work away that the CPU
 *       could have done (enough sheds of one route to miss its objective at 95 % confidence, as
 *       a run's verdict judges it);
 *   <li>{@link Kind#WAIT} when cores were left idle and the objectives broke on latency: a wait
 *       outside the CPU (the journal's commits, a pool, locks, collection pauses) or, from
 *       {@value #CONTENDED_PERCENT} % of the cores busy, the wait for a core itself, which the text
 *       then gives as an M/M/c queue's mean wait (Erlang C; at 76 % of 2 cores, 1.4× a request's
 *       own CPU time), and the same for {@link Kind#ADMISSION}, whose limit reacts to that latency;
 *   <li>{@link Kind#NOT_REACHED} when the last step still met every objective, and
 *       {@link Kind#NOT_MEASURED} when the platform is remote and the generator's host was not busy.
 * </ul>
 *
 * <p>A day replayed N times faster offers N times the peak hour's rate at its peak, so with the node
 * carrying X req/s of the mix, the shortest replay whose peak still meets every objective takes
 * 24 h × peak / X, and a replay in 60 minutes (N = 24) needs ⌈24 · peak / X⌉ such nodes. The peak
 * hour's figure is its mean: its busiest minutes run higher (Poisson arrivals, sessions that spill
 * over), which the utilisation of {@link CapacityReport#nodesNeeded()} absorbs and this does not.
 */
public record CapacityLimit(
    Kind kind,
    String resource,
    String evidence,
    double sustainablePerSecond,
    double brokeAtPerSecond,
    List<DayReplay> days) {

  static final int SATURATED_PERCENT = 90;
  /** From this share of the host's cores busy, the wait for a core is a latency of its own (M/M/2: 1.3× the CPU time at 75 %). */
  static final int CONTENDED_PERCENT = 70;
  static final String TITLE = "Capacity: what stops one node";
  private static final double MINUTES_PER_DAY = 24 * 60;
  /** A replay of the whole day in 60 minutes runs its clock this many times faster. */
  public static final double ONE_HOUR_COMPRESSION = 24;

  /** Which kind of resource ended the search. */
  public enum Kind { HOST_CPU, GENERATOR, ADMISSION, WAIT, NOT_REACHED, NOT_MEASURED }

  /**
   * One scenario's whole day on nodes like the measured one: {@code dayRequests} JSON API requests,
   * {@code peakPerSecond} in its peak hour at real time; {@code oneHourPeakPerSecond} is that peak
   * in a replay of the day in 60 minutes, {@code timesCapacity} that over what one node carried,
   * {@code shortestMinutes} the shortest replay whose peak one node still carries, and
   * {@code nodesForOneHour} the nodes a 60-minute replay needs. {@code mixAsMeasured} as in
   * {@link ScenarioNeed}.
   */
  public record DayReplay(
      String scenarioId,
      double dayRequests,
      double peakPerSecond,
      double oneHourPeakPerSecond,
      double timesCapacity,
      double shortestMinutes,
      int nodesForOneHour,
      boolean mixAsMeasured) {}

  /** The limit of {@code search}; empty for a search without steps. */
  public static Optional<CapacityLimit> of(CapacityReport search) {
    Optional<Step> ending = search.endingStep();
    if (ending.isEmpty()) {
      return Optional.empty();
    }
    Step last = ending.get();
    double perNode = search.sustainablePerSecondPerNode();
    List<DayReplay> days = new ArrayList<>();
    if (perNode > 0) {
      for (ScenarioNeed need : search.nodesNeeded()) {
        if (need.dayRequests() > 0) {
          double peak = need.peakRequestsPerSecond();
          double oneHour = peak * ONE_HOUR_COMPRESSION;
          days.add(new DayReplay(need.scenarioId(), need.dayRequests(), peak, oneHour, oneHour / perNode,
              MINUTES_PER_DAY * peak / perNode, Math.max(1, (int) Math.ceil(oneHour / perNode)), need.mixAsMeasured()));
        }
      }
    }
    return Optional.of(classify(search, last, List.copyOf(days)));
  }

  private static CapacityLimit classify(CapacityReport search, Step last, List<DayReplay> days) {
    double sustainable = search.sustainablePerSecond();
    double brokeAt = last.met() ? 0 : last.offeredPerSecond();
    if (last.met()) {
      return new CapacityLimit(Kind.NOT_REACHED, "nothing yet",
          String.format(Locale.ROOT, "every step met its objectives, the last at %s req/s: the node carries more than the search offered",
              ReportNumbers.num(last.offeredPerSecond(), 1)), sustainable, 0, days);
    }
    double busy = last.hostBusyCores();
    boolean saturated = last.hostCores() > 0 && busy >= SATURATED_PERCENT / 100.0 * last.hostCores();
    String hostBusy = last.hostCores() > 0
        ? String.format(Locale.ROOT, "the host kept %s of its %d cores busy", ReportNumbers.num(busy, 2), last.hostCores())
        : "the host's CPU was not measured";
    boolean platformHere = last.cpuSeconds() > 0;
    double ceiling = search.generatorCeilingPerSecond();
    if (ceiling > 0 && last.offeredPerSecond() >= SATURATED_PERCENT / 100.0 * ceiling) {
      return new CapacityLimit(Kind.GENERATOR, "the load generator",
          String.format(Locale.ROOT, "%s req/s offered is %s %% of the generator's own ceiling (%s req/s): the search measured the generator",
              ReportNumbers.num(brokeAt, 1), ReportNumbers.num(100 * brokeAt / ceiling, 0), ReportNumbers.num(ceiling, 0)),
          sustainable, brokeAt, days);
    }
    if (saturated && platformHere) {
      return new CapacityLimit(Kind.HOST_CPU,
          String.format(Locale.ROOT, "the CPU: this machine's %d cores, which the node, PostgreSQL, NATS and the load generator share",
              last.hostCores()),
          String.format(Locale.ROOT, "at %s req/s offered %s%s", ReportNumbers.num(brokeAt, 1), hostBusy, split(last)),
          sustainable, brokeAt, days);
    }
    if (!platformHere) {
      return saturated
          ? new CapacityLimit(Kind.GENERATOR, "the load generator's host",
              String.format(Locale.ROOT, "at %s req/s offered %s, and the platform does not run on it", ReportNumbers.num(brokeAt, 1), hostBusy),
              sustainable, brokeAt, days)
          : new CapacityLimit(Kind.NOT_MEASURED, "not measured",
              String.format(Locale.ROOT, "the platform runs elsewhere and its CPU and waits are not visible to the search (at %s req/s %s)",
                  ReportNumbers.num(brokeAt, 1), hostBusy),
              sustainable, brokeAt, days);
    }
    double shedShare = last.requests() == 0 ? 0 : (double) last.shed() / last.requests();
    double utilisation = last.hostCores() > 0 ? busy / last.hostCores() : 0;
    boolean contended = utilisation >= CONTENDED_PERCENT / 100.0;
    String idle = String.format(Locale.ROOT, "at %s req/s offered %s%s%s", ReportNumbers.num(brokeAt, 1), hostBusy, split(last),
        contended ? coreWait(busy, last.hostCores()) : "");
    // a shed request counts against availability, so one route's few sheds can end the search
    if (last.shed() > 0 && last.failures().stream().anyMatch(f -> f.contains("availability"))) {
      return new CapacityLimit(Kind.ADMISSION,
          "the node's admission limit" + (contended ? ", reacting to the wait for the cores" : ", with cores idle"),
          String.format(Locale.ROOT, "%s; %s of %s requests (%s %%) were shed with 503: %s", idle, ReportNumbers.num(last.shed(), 0),
              ReportNumbers.num(last.requests(), 0), ReportNumbers.num(100 * shedShare, 2), firstReasons(last.failures())),
          sustainable, brokeAt, days);
    }
    return new CapacityLimit(Kind.WAIT,
        contended ? "latency: the wait for the cores, before all of them are busy"
            : "a wait outside the CPU, with cores idle (the journal's commits, a pool, locks or collection pauses)",
        String.format(Locale.ROOT, "%s; %s", idle, firstReasons(last.failures())), sustainable, brokeAt, days);
  }

  /**
   * How long a request waits for a core at {@code busy} of {@code cores} busy, in multiples of its
   * own CPU time: the mean wait of an M/M/c queue (Erlang C) with a service time of one.
   */
  private static String coreWait(double busy, int cores) {
    QueueModel cpu = new QueueModel(Math.min(busy, cores * 0.999), 1, cores);
    return String.format(Locale.ROOT, " (at %s %% busy a request already waits %s× its own CPU time for a core on average: M/M/%d, Erlang C)",
        ReportNumbers.num(100 * busy / cores, 0), ReportNumbers.num(cpu.meanWaitSeconds(), 2), cores);
  }

  /** The first three reasons a step broke, and how many more there were. */
  public static String firstReasons(List<String> failures) {
    List<String> shown = failures.subList(0, Math.min(3, failures.size()));
    return String.join("; ", shown) + (failures.size() > shown.size() ? "; and " + (failures.size() - shown.size()) + " more" : "");
  }

  /** ": node 1.21, PostgreSQL 0.43, …" in busy cores over the step, largest first; empty when not measured. */
  private static String split(Step step) {
    if (step.processes().isEmpty() || !(step.wallSeconds() > 0)) {
      return "";
    }
    List<String> parts = step.processes().stream()
        .sorted(Comparator.comparingDouble(ProcessCpu::cpuSeconds).reversed())
        .map(p -> p.name() + " " + ReportNumbers.num(p.cpuSeconds() / step.wallSeconds(), 2))
        .toList();
    return ": " + String.join(", ", parts);
  }

  /** The section as paragraphs and tables: the limit, the CPU split per step, the days. */
  List<Block> blocks(CapacityReport search) {
    List<Block> blocks = new ArrayList<>();
    String rate = sustainablePerSecond > 0
        ? String.format(Locale.ROOT, "One node carried %s req/s of %s's API mix with every objective met (search %s%s). ",
            ReportNumbers.num(search.sustainablePerSecondPerNode(), 1), search.scenarioId(), search.runId(),
            brokeAtPerSecond > 0 ? ", broken at " + ReportNumbers.num(brokeAtPerSecond, 1) + " req/s" : "")
        : String.format(Locale.ROOT, "No step of search %s met every objective. ", search.runId());
    blocks.add(new Paragraph(rate + "What stops it: " + resource + " — " + evidence + "."));
    List<String> names = processNames(search);
    if (!names.isEmpty()) {
      List<String> header = new ArrayList<>(List.of("offered req/s", "goodput req/s", "host cores busy"));
      names.forEach(n -> header.add(n));
      header.add("met");
      List<List<String>> rows = new ArrayList<>();
      for (Step s : search.steps()) {
        List<String> row = new ArrayList<>(List.of(ReportNumbers.num(s.offeredPerSecond(), 1), ReportNumbers.num(s.goodputPerSecond(), 1),
            s.hostCores() > 0 ? ReportNumbers.num(s.hostBusyCores(), 2) + " of " + s.hostCores() : "–"));
        for (String n : names) {
          row.add(s.processes().stream().filter(p -> p.name().equals(n)).findFirst()
              .map(p -> ReportNumbers.num(p.cpuSeconds() / s.wallSeconds(), 2)).orElse("–"));
        }
        row.add(s.met() ? "yes" : "no" + (s.rerun() ? " (re-run)" : ""));
        rows.add(row);
      }
      blocks.add(new Paragraph("Cores busy per step, by process (CPU seconds over the step's wall time):"));
      blocks.add(new Table(header, rows));
    }
    if (!days.isEmpty()) {
      blocks.add(new Paragraph(String.format(Locale.ROOT,
          "Whole days replayed time-compressed on nodes like this one (%s req/s each): a day in 60 minutes runs %s× faster.",
          ReportNumbers.num(search.sustainablePerSecondPerNode(), 1), ReportNumbers.num(ONE_HOUR_COMPRESSION, 0))));
      List<List<String>> rows = new ArrayList<>();
      for (DayReplay d : days) {
        rows.add(List.of(d.scenarioId(), ReportNumbers.num(d.dayRequests(), 0), ReportNumbers.num(d.peakPerSecond(), 1),
            ReportNumbers.num(d.oneHourPeakPerSecond(), 0), ReportNumbers.num(d.timesCapacity(), 2) + "×",
            d.shortestMinutes() <= 60 ? "fits: " + ReportNumbers.num(d.shortestMinutes(), 0) + " min" : ReportNumbers.num(d.shortestMinutes(), 0) + " min",
            String.valueOf(d.nodesForOneHour()),
            d.mixAsMeasured() ? "" : "its mix differs from " + search.scenarioId() + "'s: run capacity " + d.scenarioId()));
      }
      blocks.add(new Table(List.of("scenario", "API requests a day", "peak hour req/s", "peak in 60 min req/s", "of one node",
          "shortest replay, objectives met", "nodes for 60 min", "note"), rows));
      blocks.add(new Paragraph("The peak hour's rate is its mean; its busiest minutes run higher (Poisson arrivals, sessions spilling"
          + " over), so a replay at exactly the shortest time runs its peak at the edge of the objectives."));
    }
    return List.copyOf(blocks);
  }

  /** The processes any step names, in the order the steps list them. */
  private static List<String> processNames(CapacityReport search) {
    List<String> names = new ArrayList<>();
    for (Step s : search.steps()) {
      for (ProcessCpu p : s.processes()) {
        if (!names.contains(p.name())) {
          names.add(p.name());
        }
      }
    }
    return names;
  }

  /** The section for report.md. */
  public String markdownSection(CapacityReport search) {
    return SectionText.markdown(TITLE, blocks(search));
  }

  /** The section for report.html. */
  public String htmlSection(CapacityReport search) {
    return SectionText.html("<section id=\"capacity-limit\">", TITLE, blocks(search), "");
  }

  /** The blocks without a heading, for the capacity search's console summary. */
  public String markdown(CapacityReport search) {
    return SectionText.markdown(blocks(search));
  }
}
