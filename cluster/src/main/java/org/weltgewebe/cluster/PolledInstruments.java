package org.weltgewebe.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Gauge;
import kamon.metric.Instrument;
import kamon.tag.TagSet;

/**
 * Values read by polling, published as Kamon instruments: gauges set to the value read, and
 * counters advanced by how much a cumulative value read grew. A series not reported in a poll is
 * removed after it, so that a stream, consumer or singleton that went away leaves no stale series.
 *
 * <p>Not thread-safe: one poller owns it.
 */
final class PolledInstruments {
  private final Map<Key, Instrument<?, ?>> current = new HashMap<>();
  private final Set<Key> seen = new HashSet<>();
  private final Map<Key, Double> lastCumulative = new HashMap<>();

  private record Key(String name, Map<String, String> tags) {}

  /** Sets the gauge {@code name} with {@code tags} (label pairs: name, value, …) to {@code value}. */
  void gauge(String name, String help, double value, String... tags) {
    Key key = key(name, tags);
    Gauge gauge = (Gauge) current.computeIfAbsent(key, k -> Kamon.gauge(name, help).withTags(tagSet(k.tags())));
    gauge.update(value);
    seen.add(key);
  }

  /**
   * Advances the counter {@code name} by how much {@code cumulative} grew since the last poll. A
   * cumulative value that fell (its source restarted, e.g. the outbox singleton moved here) counts
   * from zero again, so the counter itself never falls.
   */
  void counter(String name, String help, double cumulative, String... tags) {
    Key key = key(name, tags);
    Counter counter = (Counter) current.computeIfAbsent(key, k -> Kamon.counter(name, help).withTags(tagSet(k.tags())));
    Double last = lastCumulative.put(key, cumulative);
    double delta = last == null || cumulative < last ? cumulative : cumulative - last;
    if (delta > 0) {
      counter.increment((long) delta);
    }
    seen.add(key);
  }

  /** Forgets the cumulative baselines whose name starts with {@code prefix}: their source was replaced. */
  void rebase(String prefix) {
    lastCumulative.keySet().removeIf(k -> k.name().startsWith(prefix));
  }

  /** Ends a poll: removes every series that it did not report. */
  void sweep() {
    current.entrySet().removeIf(
        e -> {
          if (seen.contains(e.getKey())) {
            return false;
          }
          e.getValue().remove();
          lastCumulative.remove(e.getKey());
          return true;
        });
    seen.clear();
  }

  /** Removes every series. */
  void clear() {
    seen.clear();
    sweep();
  }

  private static Key key(String name, String... tags) {
    if (tags.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name/value pairs: " + String.join(",", tags));
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < tags.length; i += 2) {
      if (tags[i + 1] != null && !tags[i + 1].isEmpty()) {
        map.put(tags[i], tags[i + 1]);
      }
    }
    return new Key(name, Map.copyOf(map));
  }

  private static TagSet tagSet(Map<String, String> tags) {
    return TagSet.from(new HashMap<String, Object>(tags));
  }
}
