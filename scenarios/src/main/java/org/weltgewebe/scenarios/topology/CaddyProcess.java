package org.weltgewebe.scenarios.topology;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.weltgewebe.scenarios.run.ChildProcesses;

/**
 * Caddy in front of the platform's nodes, started from {@code deploy/caddy/Caddyfile} (rendered
 * into {@code dir}) as a child process: a plain-HTTP listener on loopback for the load generator
 * (HTTP/1.1) and an HTTPS listener with a certificate from Caddy's own CA, where HTTP/2 and HTTP/3
 * are offered. Its data (the local CA, certificates) stays in the run's folder, its admin endpoint
 * on a port of its own, and it writes its JSON access log there.
 */
public final class CaddyProcess implements AutoCloseable {
  private static final Duration READY_WITHIN = Duration.ofSeconds(30);

  private final ServiceProcess process;
  private final URI url;
  private final URI httpsUrl;
  private final List<URI> upstreams;
  private final Path config;
  private final Path accessLog;
  private final Path data;

  private CaddyProcess(ServiceProcess process, URI url, URI httpsUrl, List<URI> upstreams, Path config, Path accessLog, Path data) {
    this.process = process;
    this.url = url;
    this.httpsUrl = httpsUrl;
    this.upstreams = List.copyOf(upstreams);
    this.config = config;
    this.accessLog = accessLog;
    this.data = data;
  }

  /**
   * Starts Caddy in front of {@code upstreams} (the nodes' API base URIs), its files in {@code
   * dir}; returns once a request through it reaches a ready node ({@code /health/ready} answers 200).
   */
  public static CaddyProcess start(List<URI> upstreams, Path dir) {
    return start(upstreams, Optional.empty(), dir);
  }

  /** As {@link #start(List, Path)}, with the server-rendered frontend at {@code frontend} for the paths that are not the API. */
  static CaddyProcess start(List<URI> upstreams, Optional<URI> frontend, Path dir) {
    if (!ServiceProcess.onPath("caddy")) {
      throw new IllegalStateException("caddy is not installed (Debian: apt-get install caddy)");
    }
    int http = ChildProcesses.freePort();
    int https = ChildProcesses.freePort();
    int admin = ChildProcesses.freePort();
    // a run has no frontend: its paths go to a port nobody listens on and answer 502
    String frontendAddress = frontend.map(f -> f.getHost() + ":" + f.getPort()).orElse("127.0.0.1:" + ChildProcesses.freePort());
    try {
      Files.createDirectories(dir);
      Path data = dir.resolve("caddy-data");
      Files.createDirectories(data);
      Path accessLog = dir.resolve("caddy-access.log");
      Path config = dir.resolve("Caddyfile");
      String upstreamList = upstreams.stream().map(u -> u.getHost() + ":" + u.getPort()).collect(Collectors.joining(" "));
      Files.writeString(config, ConfigTemplate.deployed("caddy/Caddyfile").render(Map.of(
          "WELTGEWEBE_SITE", "http://127.0.0.1:" + http + ", https://127.0.0.1:" + https,
          "WELTGEWEBE_UPSTREAMS", upstreamList,
          "WELTGEWEBE_FRONTEND", frontendAddress,
          "CADDY_ADMIN", "127.0.0.1:" + admin,
          "CADDY_HTTP_PORT", String.valueOf(http),
          "CADDY_HTTPS_PORT", String.valueOf(https),
          "CADDY_ACCESS_LOG", accessLog.toAbsolutePath().toString())), StandardCharsets.UTF_8);
      ServiceProcess process = ServiceProcess.start("caddy",
          List.of(ServiceProcess.locate("caddy").orElseThrow(), "run", "--config", config.toAbsolutePath().toString(), "--adapter", "caddyfile"),
          Map.of("XDG_DATA_HOME", data.toAbsolutePath().toString(), "XDG_CONFIG_HOME", data.toAbsolutePath().toString(),
              "HOME", dir.toAbsolutePath().toString()),
          dir.resolve("caddy.log"));
      CaddyProcess caddy = new CaddyProcess(process, URI.create("http://127.0.0.1:" + http), URI.create("https://127.0.0.1:" + https),
          upstreams, config, accessLog, data);
      caddy.awaitReady();
      return caddy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write Caddy's configuration into " + dir, e);
    }
  }

  private void awaitReady() {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Instant deadline = Instant.now().plus(READY_WITHIN);
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      try {
        process.requireAlive();
      } catch (IllegalStateException e) {
        throw new IllegalStateException("Caddy did not start: " + e.getMessage(), e);
      }
      try {
        HttpResponse<String> ready = client.send(HttpRequest.newBuilder(url.resolve("/health/ready")).timeout(Duration.ofSeconds(3)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
        last = "status " + ready.statusCode();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
    throw new IllegalStateException("no ready node answered through Caddy within " + READY_WITHIN.toSeconds() + " s (" + last + "); "
        + process.tail());
  }

  /** The plain-HTTP listener the load drives. */
  public URI url() {
    return url;
  }

  /** The HTTPS listener (HTTP/1.1, HTTP/2, HTTP/3) with a certificate of Caddy's local CA. */
  public URI httpsUrl() {
    return httpsUrl;
  }

  public List<URI> upstreams() {
    return upstreams;
  }

  public Path config() {
    return config;
  }

  public Path accessLog() {
    return accessLog;
  }

  public OptionalDouble cpuSeconds() {
    return process.cpuSeconds();
  }

  /** E.g. "2.6.2". */
  public static String version() {
    String line = ServiceProcess.firstLine(List.of(ServiceProcess.locate("caddy").orElse("caddy"), "version"));
    String first = line.isEmpty() ? "" : line.split("\\s+", -1)[0];
    return first.startsWith("v") ? first.substring(1) : first;
  }

  /**
   * A client that trusts Caddy's local CA (and nothing else), for requests to the HTTPS listener;
   * empty until Caddy has made its CA.
   */
  public Optional<HttpClient> httpsClient() {
    Path root = data.resolve("caddy/pki/authorities/local/root.crt");
    if (!Files.isRegularFile(root)) {
      return Optional.empty();
    }
    try (InputStream in = Files.newInputStream(root)) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("caddy-local-root", CertificateFactory.getInstance("X.509").generateCertificate(in));
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return Optional.of(HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(2)).build());
    } catch (IOException | java.security.GeneralSecurityException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether HTTP/3 is offered: a UDP socket on the HTTPS port (QUIC) and an {@code Alt-Svc}
   * header naming h3 on an HTTPS answer. No client on this machine speaks HTTP/3 (Java's
   * HttpClient, Gatling, and Debian's curl have none), so this is what can be checked here.
   */
  public Http3 http3() {
    boolean udp = udpListening(httpsUrl.getPort());
    String altSvc = "";
    // Caddy makes its CA and the listener's certificate just after it starts: ask until it answers
    Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
    while (altSvc.isEmpty() && Instant.now().isBefore(deadline)) {
      Optional<HttpClient> client = httpsClient();
      if (client.isPresent()) {
        try {
          HttpResponse<Void> r = client.get().send(
              HttpRequest.newBuilder(httpsUrl.resolve("/health/live")).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding());
          altSvc = r.headers().firstValue("Alt-Svc").orElse("");
          if (altSvc.isEmpty()) {
            break; // an answer without Alt-Svc: HTTP/3 is not offered
          }
        } catch (IOException e) {
          // no certificate yet
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (altSvc.isEmpty()) {
        try {
          Thread.sleep(250);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    return new Http3(udp && altSvc.toLowerCase(Locale.ROOT).contains("h3="), udp, altSvc);
  }

  /** What {@link #http3()} found. */
  public record Http3(boolean offered, boolean udpListening, String altSvc) {}

  /** Whether a UDP socket is bound to {@code port}, from the kernel's socket tables. */
  static boolean udpListening(int port) {
    String hex = String.format(Locale.ROOT, ":%04X ", port);
    for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] f = line.trim().split("\\s+", -1);
          if (f.length > 1 && (f[1] + " ").endsWith(hex)) {
            return true;
          }
        }
      } catch (IOException e) {
        // no such table on this kernel
      }
    }
    return false;
  }

  @Override
  public void close() {
    process.close();
  }
}
