package org.weltgewebe.reports;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A dated price list of the providers the cost model compares ({@code reports/prices/prices-<date>.json}).
 * Prices go stale, so every figure carries the date it is valid for and where it comes from, and a
 * new list is a new file rather than an edit: a report names the list it was priced with.
 */
public record Prices(String date, String currency, String note, Rate usdToEur, List<Provider> providers) {

  /** The list the cost model uses unless told otherwise (the newest in {@code reports/prices/}). */
  public static final String CURRENT = "prices-2026-11-29.json";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  public Prices {
    if (providers == null || providers.isEmpty()) {
      throw new IllegalArgumentException("a price list needs at least one provider");
    }
    providers = List.copyOf(providers);
  }

  /** A currency conversion used to turn USD list prices into the file's EUR figures. */
  public record Rate(double rate, String asOf, String source) {}

  /**
   * One provider as the customer would run the platform there: the instances the nodes can run on,
   * the database plans, storage, egress beyond the included traffic, a CDN for the edge, and the
   * customer's cost band for it.
   */
  public record Provider(
      String id,
      String name,
      String setup,
      Band band,
      List<Instance> instances,
      Database database,
      Priced storage,
      Egress egress,
      Cdn cdn) {
    public Provider {
      if (instances == null || instances.isEmpty() || database == null || database.plans() == null || database.plans().isEmpty()) {
        throw new IllegalArgumentException("provider " + id + " needs instances and database plans");
      }
      instances = List.copyOf(instances);
    }
  }

  /** The customer's monthly cost band for a provider: the low end at S1, the high end at S4. */
  public record Band(double lowEurPerMonth, double highEurPerMonth, String source) {}

  /** A server type. {@code includedTrafficGB}: outbound traffic included per month. */
  public record Instance(
      String name, int vcpu, boolean dedicated, double ramGiB, double eurPerMonth, double includedTrafficGB, String asOf, String source) {}

  /** Where PostgreSQL runs: {@code managed} plans or {@code self-managed} on a server. */
  public record Database(String kind, List<DatabasePlan> plans) {}

  /** A database size. {@code includedStorageGB}: disk that comes with the plan (0 = a volume is bought). */
  public record DatabasePlan(String name, int vcpu, double ramGiB, double eurPerMonth, double includedStorageGB, String asOf, String source) {}

  /** A price per GB and month. */
  public record Priced(double eurPerGBMonth, String asOf, String source) {}

  /** Outbound traffic beyond the instances' included traffic; {@code pooled}: the allowance is shared by all instances. */
  public record Egress(double eurPerGB, boolean pooled, String asOf, String source) {}

  /** The pull CDN in front of tiles and pages. */
  public record Cdn(String name, double eurPerGB, double minimumEurPerMonth, double includedGB, String asOf, String source) {}

  /** The current list, from the class path. */
  public static Prices current() {
    return fromClasspath(CURRENT);
  }

  /** A list shipped with this build, by file name. */
  public static Prices fromClasspath(String fileName) {
    String resource = "prices/" + fileName;
    try (InputStream in = Prices.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no price list " + fileName + " on the class path (reports/prices/)");
      }
      return JSON.readValue(in, Prices.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read price list " + fileName + ": " + e.getMessage(), e);
    }
  }

  /** A price list from a file, e.g. a newer one than this build ships. */
  public static Prices read(Path file) {
    try {
      return JSON.readValue(file.toFile(), Prices.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read price list " + file + ": " + e.getMessage(), e);
    }
  }

  /** The provider with this id. */
  public Provider provider(String id) {
    return providers.stream()
        .filter(p -> p.id().equals(id))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no provider '" + id + "' in price list " + date));
  }
}
