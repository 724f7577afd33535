package org.weltgewebe.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.weltgewebe.cluster.NodeConfig;
import org.weltgewebe.cluster.PekkoEventDecoder;
import org.weltgewebe.persistence.DatabaseSettings;
import org.weltgewebe.persistence.DatabaseBootstrap;
import org.weltgewebe.persistence.outbox.NatsSettings;
import org.weltgewebe.persistence.outbox.OutboxSettings;

/**
 * What an operator's command needs without being a cluster member: the node configuration, the
 * database and NATS settings, and a local actor system for decoding events with the node's
 * serializers.
 */
final class ToolContext implements AutoCloseable {
  final Config config;
  final DatabaseSettings db;
  final NatsSettings nats;
  final OutboxSettings outbox;
  private ActorSystem<Void> system;

  ToolContext(Config overrides) {
    this.config = NodeConfig.load(overrides);
    this.db = DatabaseBootstrap.prepare(DatabaseSettings.fromConfig(config));
    this.nats = NatsSettings.fromConfig(config);
    this.outbox = OutboxSettings.fromConfig(config);
  }

  /** A decoder backed by a local (non-cluster) actor system, started on first use. */
  PekkoEventDecoder decoder() {
    if (system == null) {
      system =
          ActorSystem.create(
              Behaviors.empty(), "weltgewebe-tool",
              ConfigFactory.parseString("pekko.actor.provider = local").withFallback(config));
    }
    return new PekkoEventDecoder(system);
  }

  @Override
  public void close() {
    if (system != null) {
      system.terminate();
    }
  }
}
