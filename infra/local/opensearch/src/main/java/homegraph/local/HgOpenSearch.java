package homegraph.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;

import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.opensearch.common.settings.Settings;

/**
 * One embedded single-node OpenSearch for local development and tests.
 *
 * <p>Usage: {@code HgOpenSearch BASE_DIR BIND_HOST HTTP_PORT TRANSPORT_PORT [--warmup]}. The node keeps its home,
 * data and logs under BASE_DIR/node_1 (kept across restarts) and runs until SIGTERM/SIGINT, which closes it
 * cleanly. With {@code --warmup} it stops again as soon as the cluster is yellow: the installer runs it once so
 * that the JVM can record a class-data-sharing archive of everything a start loads.
 * The modules (transport-netty4, analysis-common, geo, lang-painless, mapper-extras, reindex, ...) are loaded
 * from the classpath by the codelibs runner; there is no security plugin, so HTTP is plain and unauthenticated.
 */
public final class HgOpenSearch {
  private HgOpenSearch() {}

  public static void main(String[] args) throws Exception {
    boolean warmup = args.length == 5 && "--warmup".equals(args[4]);
    if (args.length != 4 && !warmup) {
      System.err.println("usage: HgOpenSearch BASE_DIR BIND_HOST HTTP_PORT TRANSPORT_PORT [--warmup]");
      System.exit(2);
    }
    Path base = Paths.get(args[0]).toAbsolutePath();
    String host = args[1];
    int httpPort = Integer.parseInt(args[2]);
    int transportPort = Integer.parseInt(args[3]);
    Files.createDirectories(base);

    OpenSearchRunner runner = new OpenSearchRunner();
    runner.setMaxHttpPort(-1); // no port probing: http.port is set below and a busy port fails the start
    runner.onBuild((index, settings) -> {
      settings.put("node.name", "hg-opensearch");
      settings.put("discovery.type", "single-node");
      settings.putList("node.roles", "cluster_manager", "data", "ingest");
      settings.put("network.host", host);
      settings.put("http.port", String.valueOf(httpPort));
      settings.put("transport.port", String.valueOf(transportPort));
      // A dev machine's disk is often fuller than the 85/90/95% watermarks; never go read-only because of it.
      settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
      settings.put("action.auto_create_index", true);
      settings.put("http.max_content_length", "200mb");
    });

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (!runner.isClosed()) runner.close();
      } catch (Exception e) {
        e.printStackTrace();
      } finally {
        stopped.countDown();
      }
    }, "hg-opensearch-shutdown"));

    try {
      runner.build(OpenSearchRunner.newConfigs()
          .basePath(base.toString())
          .numOfNode(1)
          .baseHttpPort(Math.max(httpPort - 1, 0))
          .clusterName("homegraph-local"));
      // One node: replicas could never be assigned, so new indexes default to none and go green, not yellow (an
      // index that asks for replicas still gets them). Only honoured as a cluster setting, not as a node setting.
      runner.client().admin().cluster().prepareUpdateSettings()
          .setPersistentSettings(Settings.builder().put("cluster.default_number_of_replicas", 0).build())
          .get();
    } catch (Throwable t) {
      t.printStackTrace();
      System.exit(1); // e.g. a busy port: fail the start instead of hanging
    }
    if (warmup) {
      runner.ensureYellow();
      System.out.println("[hg-opensearch] warmup done");
      System.exit(0); // the shutdown hook closes the node
    }
    System.out.println("[hg-opensearch] node started: http://" + host + ":" + httpPort + " transport " + transportPort);
    stopped.await();
  }
}
