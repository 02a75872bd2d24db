package io.finetune.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free ports for servers started by tests, taken below the kernel's ephemeral range (32768-60999 on Linux). A port
 * that the kernel handed out as ephemeral could be taken again, between our check and the server's bind, as the local
 * port of any outgoing connection (a Kafka client, an HTTP call): the server then fails with "Address already in
 * use". Ports below that range are never chosen for outgoing connections. Each port is checked on every address (as
 * the services bind) and handed out once per JVM; the random start keeps parallel JVMs apart.
 */
public final class FreePorts {
    private static final int LOW = 20000;
    private static final int HIGH = 32000;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    public static int next() {
        int span = HIGH - LOW;
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = LOW + (start + i) % span;
            if (!GIVEN.contains(port) && bindable(port) && GIVEN.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("expected a free port in " + LOW + "-" + HIGH + ", found none");
    }

    private static boolean bindable(int port) {
        for (InetSocketAddress address : new InetSocketAddress[]{new InetSocketAddress(port),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port)}) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(address, 1);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
