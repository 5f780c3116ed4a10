import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Node;

/**
 * Readiness probe for the local Kafka broker (infra/local/services/kafka.sh).
 * Exits 0 only when an admin round trip succeeds: the broker lists itself in DescribeCluster
 * and the KRaft quorum reports an elected leader (DescribeQuorum is answered by the controller).
 *
 * Prints only to stderr (hg-local status shows stdout).
 *
 * usage: HgKafkaReady BOOTSTRAP [TIMEOUT_MS] [EXPECTED_BROKERS]
 */
public final class HgKafkaReady {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int timeoutMs = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        int expectedBrokers = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "hg-local-ready");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        p.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 200);
        int rc = 1;
        try {
            Admin admin = Admin.create(p);
            DescribeClusterResult dc = admin.describeCluster();
            Collection<Node> nodes = dc.nodes().get(timeoutMs, TimeUnit.MILLISECONDS);
            String clusterId = dc.clusterId().get(timeoutMs, TimeUnit.MILLISECONDS);
            QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get(timeoutMs, TimeUnit.MILLISECONDS);
            System.err.println("cluster=" + clusterId + " brokers=" + nodes.size()
                    + " quorumLeader=" + q.leaderId() + " voters=" + q.voters().size());
            if (nodes.size() >= expectedBrokers && q.leaderId() >= 0) {
                rc = 0;
            } else {
                System.err.println("not ready: expected " + expectedBrokers + " broker(s) and a quorum leader");
            }
        } catch (Exception e) {
            System.err.println("not ready: " + e);
        }
        // No Admin.close(): it waits for in-flight calls. Halting is safe, the probe holds no state.
        Runtime.getRuntime().halt(rc);
    }
}
