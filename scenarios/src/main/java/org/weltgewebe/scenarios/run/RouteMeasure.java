package org.weltgewebe.scenarios.run;

import org.weltgewebe.reports.RunReport;

/**
 * What the client side measured on one route in one phase: outcomes by class and latency
 * percentiles. {@code shed} are 503s, {@code serverErrors} the other 5xx, {@code timeouts}
 * requests that got no answer at all. Public so that a driver in another package can report it.
 */
public record RouteMeasure(
    String phase,
    String method,
    String route,
    long requests,
    long ok,
    long clientErrors,
    long shed,
    long serverErrors,
    long timeouts,
    long bytesReceived,
    RunReport.Latency latency,
    RunReport.Latency okLatency,
    RunReport.Latency shedLatency) {

  /** Requests that count against availability: shed, other 5xx and unanswered. */
  long bad() {
    return shed + serverErrors + timeouts;
  }

  String key() {
    return method + " " + route;
  }
}
