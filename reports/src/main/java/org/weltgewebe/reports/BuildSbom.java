package org.weltgewebe.reports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Finds the software bill of materials of the running build, so that a report names exactly which
 * components produced its figures. {@code ./weltgewebe} passes the aggregate SBOM's path as the
 * system property {@value #PROPERTY}; the environment variable {@value #ENV} overrides it (for a
 * runner started some other way).
 */
public final class BuildSbom {
  /** The system property that holds the path of the build's aggregate SBOM. */
  public static final String PROPERTY = "weltgewebe.sbom";
  /** The environment variable that overrides {@link #PROPERTY}. */
  public static final String ENV = "WELTGEWEBE_SBOM";

  private static final ObjectMapper JSON = new ObjectMapper();

  private BuildSbom() {}

  /** The SBOM of this build, when its path is known and the file is a CycloneDX document. */
  public static Optional<RunReport.Sbom> ofThisBuild() {
    String path = Optional.ofNullable(System.getenv(ENV)).filter(p -> !p.isBlank()).orElse(System.getProperty(PROPERTY));
    return path == null || path.isBlank() ? Optional.empty() : read(Path.of(path));
  }

  /** The reference to the CycloneDX JSON document at {@code file}; empty when it is absent or not one. */
  public static Optional<RunReport.Sbom> read(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      JsonNode bom = JSON.readTree(bytes);
      if (bom == null || !"CycloneDX".equals(bom.path("bomFormat").asText())) {
        return Optional.empty();
      }
      String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
      return Optional.of(new RunReport.Sbom(
          file.toAbsolutePath().normalize().toString(), bom.path("serialNumber").asText(""), sha256, bom.path("components").size()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
