package org.weltgewebe.reports;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * A JSON report written beside a run's report.json by one kind of run only (faults.json,
 * topology.json): written once, read back when present, refused when its schema version is not
 * the one this build reads.
 */
final class SideReportFile {
  private SideReportFile() {}

  /** Writes {@code value} to {@code dir/file}; returns the file. */
  static Path write(ObjectMapper json, Path dir, String file, Object value) {
    Path path = dir.resolve(file);
    try {
      Files.createDirectories(dir);
      json.writeValue(path.toFile(), value);
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  /** The report {@code file} beside {@code runDir}'s report.json (or in {@code runDir}), if there is one. */
  static <T> Optional<T> read(ObjectMapper json, Path runDir, String file, Class<T> type, ToIntFunction<T> schemaVersion, int expected) {
    Path dir = Files.isDirectory(runDir) ? runDir : runDir.toAbsolutePath().getParent();
    Path path = dir.resolve(file);
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    try {
      T report = json.readValue(path.toFile(), type);
      if (schemaVersion.applyAsInt(report) != expected) {
        throw new IllegalArgumentException(path + " has schema version " + schemaVersion.applyAsInt(report) + "; this build reads " + expected);
      }
      return Optional.of(report);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }
}
