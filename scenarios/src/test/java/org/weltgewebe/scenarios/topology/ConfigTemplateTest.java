package org.weltgewebe.scenarios.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The deploy/ files' placeholders are filled in as Caddy fills them, and a missing value is an error, not an empty string. */
class ConfigTemplateTest {

  @Test
  void valuesWinOverDefaultsAndDefaultsFillTheRest() {
    ConfigTemplate t = ConfigTemplate.of("t", "listen {$HOST:127.0.0.1}:{$PORT}\nname {$NAME:a:b}\n");
    assertThat(t.render(Map.of("PORT", "8081"))).isEqualTo("listen 127.0.0.1:8081\nname a:b\n");
    assertThat(t.render(Map.of("PORT", "1", "HOST", "::1"))).isEqualTo("listen ::1:1\nname a:b\n");
  }

  @Test
  void aPlaceholderWithoutValueOrDefaultIsRefused() {
    assertThatThrownBy(() -> ConfigTemplate.of("deploy/x", "port {$PORT}\n").render(Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deploy/x").hasMessageContaining("{$PORT}");
  }

  @Test
  void commentsAreLeftAlone() {
    String text = "# {$UNSET} is described here\n  ; and {$UNSET} here\nreal {$SET}\n";
    assertThat(ConfigTemplate.of("t", text).render(Map.of("SET", "1")))
        .isEqualTo("# {$UNSET} is described here\n  ; and {$UNSET} here\nreal 1\n");
  }

  @Test
  void theDeployedFilesRenderWithTheRunsValues() {
    String caddy = ConfigTemplate.deployed("caddy/Caddyfile").render(Map.of("WELTGEWEBE_SITE", "http://127.0.0.1:1"));
    assertThat(caddy).contains("http://127.0.0.1:1 {").contains("flush_interval -1").contains("health_uri /health/ready")
        .contains("zstd").contains("gzip").contains("protocols h1 h2 h3");
    String bouncer = ConfigTemplate.deployed("pgbouncer/pgbouncer.ini").render(Map.of("PGBOUNCER_PORT", "7777"));
    assertThat(bouncer).contains("pool_mode = transaction").contains("listen_port = 7777").doesNotContain("{$PGBOUNCER_PORT");
  }
}
