package org.weltgewebe.persistence.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventStreamTest {

  @Test
  void streamConfigurationEqualsTheRequiredPolicies() throws Exception {
    NatsSettings nats = TestNats.shared();
    try (Connection c = Nats.connect(nats.url())) {
      StreamConfiguration config = EventStream.ensure(c, nats).getConfiguration();
      assertThat(config.getStorageType()).isEqualTo(StorageType.File);
      assertThat(config.getMaxAge()).isEqualTo(Duration.ofDays(30));
      assertThat(config.getMaxBytes()).isEqualTo(100L * 1024 * 1024 * 1024);
      assertThat(config.getDuplicateWindow()).isEqualTo(Duration.ofHours(72));
      assertThat(config.getSubjects()).containsExactly(nats.subjectPrefix() + ".>");
      // What the server stored, not only what was sent.
      StreamConfiguration stored = c.jetStreamManagement().getStreamInfo(nats.stream()).getConfiguration();
      assertThat(EventStream.hasRequiredPolicies(stored, nats)).isTrue();
    } finally {
      OutboxFixture.deleteStream(nats.url(), nats);
    }
  }

  @Test
  void ensureIsIdempotentAndRestoresPoliciesSomeoneChanged() throws Exception {
    NatsSettings nats = TestNats.shared();
    try (Connection c = Nats.connect(nats.url())) {
      c.jetStreamManagement()
          .addStream(
              StreamConfiguration.builder()
                  .name(nats.stream())
                  .subjects(nats.allSubjects())
                  .storageType(StorageType.File)
                  .maxAge(Duration.ofDays(1))
                  .duplicateWindow(Duration.ofMinutes(2))
                  .build());
      EventStream.ensure(c, nats);
      EventStream.ensure(c, nats);
      StreamConfiguration stored = c.jetStreamManagement().getStreamInfo(nats.stream()).getConfiguration();
      assertThat(EventStream.hasRequiredPolicies(stored, nats)).isTrue();
    } finally {
      OutboxFixture.deleteStream(nats.url(), nats);
    }
  }

  @Test
  void aServerWhoseFileStoreCannotHold100GiBIsRefusedWithTheRemedy() throws Exception {
    try (TestNats small = TestNats.startPrivate("1GB"); Connection c = small.connect()) {
      NatsSettings nats = small.settings();
      assertThatThrownBy(() -> EventStream.ensure(c, nats))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("insufficient storage resources")
          .hasMessageContaining("max_file_store must allow max_bytes = 100 GiB")
          .hasMessageContaining("nats/jetstream.conf");
    }
  }

  @Test
  void subjectsNameEntityTypeAndEventClass() {
    assertThat(OutboxMessage.subject("weltgewebe.events", "knot|8f2a", "org.weltgewebe.actors.Knot$Created"))
        .isEqualTo("weltgewebe.events.knot.Created");
    assertThat(OutboxMessage.eventName("org.weltgewebe.actors.KnotCreated")).isEqualTo("KnotCreated");
    assertThat(OutboxMessage.dedupeId("knot|8f2a", 7)).isEqualTo("knot|8f2a#7");
    assertThatThrownBy(() -> OutboxMessage.entityType("no-type-here"))
        .hasMessageContaining("expected '<type>|<id>'");
    assertThatThrownBy(() -> OutboxMessage.eventName("org.weltgewebe.actors.Knot$"))
        .hasMessageContaining("names no event class");
    assertThatThrownBy(() -> OutboxMessage.entityType("kn*t|1")).hasMessageContaining("cannot be a NATS subject token");
  }
}
