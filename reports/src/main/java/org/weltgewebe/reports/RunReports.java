package org.weltgewebe.reports;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes {@code report.json}, refusing a schema this build does not know. */
public final class RunReports {
  /** The file name of a run's results inside {@code reports/<run-id>/}. */
  public static final String FILE = "report.json";
  /** The file name of a capacity search's results inside {@code reports/<run-id>/}. */
  public static final String CAPACITY_FILE = "capacity.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          // later builds may add fields; an older reader skips them (the version says when not)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private RunReports() {}

  /** Writes {@code report} to {@code dir/report.json}, creating the directory; returns the file. */
  public static Path write(RunReport report, Path dir) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(FILE);
      JSON.writeValue(file.toFile(), report);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(FILE), e);
    }
  }

  /** Reads a report from a {@code report.json} file or the run directory holding it. */
  public static RunReport read(Path fileOrDir) {
    Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve(FILE) : fileOrDir;
    try {
      RunReport report = JSON.readValue(file.toFile(), RunReport.class);
      if (report.schemaVersion() != RunReport.SCHEMA_VERSION) {
        throw new IllegalArgumentException(
            file + " has schema version " + report.schemaVersion() + "; this build reads " + RunReport.SCHEMA_VERSION);
      }
      return report;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read run report " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code report} to {@code dir/capacity.json}, creating the directory; returns the file. */
  public static Path writeCapacity(CapacityReport report, Path dir) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve(CAPACITY_FILE);
      JSON.writeValue(file.toFile(), report);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(CAPACITY_FILE), e);
    }
  }

  /** Reads a capacity search from a {@code capacity.json} file or the run directory holding it. */
  public static CapacityReport readCapacity(Path fileOrDir) {
    Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve(CAPACITY_FILE) : fileOrDir;
    try {
      CapacityReport report = JSON.readValue(file.toFile(), CapacityReport.class);
      if (report.schemaVersion() != CapacityReport.SCHEMA_VERSION) {
        throw new IllegalArgumentException(
            file + " has schema version " + report.schemaVersion() + "; this build reads " + CapacityReport.SCHEMA_VERSION);
      }
      return report;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read capacity report " + file + ": " + e.getMessage(), e);
    }
  }
}
