import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local (the jar's own server, same command-line options) listening on one
 * address only, 127.0.0.1 unless -Ditsm.bindHost says otherwise. The jar has no bind option: its
 * Jetty server listens on every interface, which would expose the data to the network. Run in
 * Java's single-file source mode with the jar on the class path:
 *   java -cp DynamoDBLocal.jar LoopbackDynamoDbLocal.java -port 8000 -sharedDb -inMemory
 */
public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("itsm.bindHost", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    // The Jetty server is private to the proxy; its connectors can be told their host before start.
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    int bound = 0;
    for (Connector connector : jetty.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        serverConnector.setHost(host);
        bound++;
      }
    }
    if (bound == 0) throw new IllegalStateException("DynamoDB Local has no Jetty ServerConnector to bind to " + host);
    proxy.start();
    System.err.println("DynamoDB Local listening on " + host);
  }
}
