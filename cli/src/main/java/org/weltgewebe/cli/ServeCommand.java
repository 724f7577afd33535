package org.weltgewebe.cli;

import java.util.concurrent.Callable;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.weltgewebe.cluster.WeaveNode;
import org.weltgewebe.http.HttpApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code weltgewebe serve}: runs one node until it is stopped (Ctrl-C or SIGTERM). */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Start a node: migrate PostgreSQL, join the cluster, shard every entity and serve the HTTP API.",
      "Stops cleanly on SIGTERM/Ctrl-C (leaves the cluster, hands over its shards)."
    })
final class ServeCommand implements Callable<Integer> {
  @Mixin NodeOptions node;

  @Override
  public Integer call() throws Exception {
    WeaveNode weaveNode = WeaveNode.start(node.overrides());
    ServerBinding binding = HttpApi.bind(weaveNode).toCompletableFuture().get();
    System.out.println(
        "weltgewebe node " + weaveNode.system().address() + " serving http://"
            + binding.localAddress().getHostString() + ":" + binding.localAddress().getPort());
    weaveNode.system().getWhenTerminated().toCompletableFuture().join();
    return 0;
  }
}
