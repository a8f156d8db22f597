package io.interchange.brokers;

import com.arjuna.ats.arjuna.common.CoordinatorEnvironmentBean;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.RecoveryEnvironmentBean;
import com.arjuna.ats.arjuna.objectstore.StoreManager;
import com.arjuna.ats.arjuna.recovery.RecoveryManager;
import com.arjuna.ats.internal.arjuna.recovery.PeriodicRecovery;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import io.narayana.lra.LRAData;
import io.undertow.Undertow;
import io.narayana.lra.coordinator.api.Coordinator;
import io.narayana.lra.coordinator.domain.model.LongRunningAction;
import io.narayana.lra.coordinator.internal.Implementations;
import io.narayana.lra.coordinator.domain.service.LRAService;
import io.narayana.lra.coordinator.internal.LRARecoveryModule;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.stream.Stream;
import org.eclipse.microprofile.lra.annotation.LRAStatus;
import org.jboss.resteasy.plugins.server.undertow.UndertowJaxrsServer;

/**
 * The real Narayana LRA coordinator (lra-coordinator-jar) hosted in-process by RESTEasy on Undertow,
 * bound to 127.0.0.1 only, with its object store in a directory of our choosing.
 *
 * <p>Narayana keeps its recovery manager, object stores and LRA service in static singletons, so at most
 * one coordinator runs per JVM; {@link #stop()} resets those singletons so that a coordinator can be started
 * again in the same JVM (same port and store: the LRA ids embed the coordinator URL) and recover the LRAs
 * it left in its object store, as a real coordinator restart would.
 */
public final class NarayanaLraCoordinator {

    public static final String CONTEXT_PATH = "/lra-coordinator";
    public static final Path DEFAULT_OBJECT_STORE = Path.of("target", "brokers", "lra", "objectstore");

    private static NarayanaLraCoordinator running;
    private static int sharedPort;

    private final int port;
    private final Path objectStoreDir;
    private final UndertowJaxrsServer server;
    private final long startMillis;
    private volatile boolean stopped;

    private NarayanaLraCoordinator(int port, Path objectStoreDir, UndertowJaxrsServer server, long startMillis) {
        this.port = port;
        this.objectStoreDir = objectStoreDir;
        this.server = server;
        this.startMillis = startMillis;
    }

    /** Starts the coordinator on a free loopback port. */
    public static NarayanaLraCoordinator start(Path objectStoreDir) {
        return start(objectStoreDir, freePort());
    }

    public static synchronized NarayanaLraCoordinator start(Path objectStoreDir, int port) {
        if (running != null) {
            throw new IllegalStateException("Narayana keeps its state in static singletons: only one coordinator per JVM, "
                    + "and one is already running at " + running.url());
        }
        long began = System.nanoTime();
        Path store = objectStoreDir.toAbsolutePath();
        try {
            Files.createDirectories(store);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        configureNarayana(store);
        UndertowJaxrsServer server = new UndertowJaxrsServer().setHostname("127.0.0.1").setPort(port);
        try {
            // What the coordinator's AppContextListener does in a servlet container, plus an explicit recovery
            // module: the one cached by RecoveryEnvironmentBean would still hold the previous run's LRAService.
            Implementations.install();
            LRARecoveryModule recoveryModule = new LRARecoveryModule();
            BeanPopulator.getDefaultInstance(RecoveryEnvironmentBean.class).setRecoveryModules(List.of(recoveryModule));
            RecoveryManager.manager();
            if (LRARecoveryModule.getInstance() != recoveryModule) {
                throw new IllegalStateException("Narayana picked up a stale LRARecoveryModule");
            }
            // Load the LRAs left in the store before the first request, so that a client that closes or cancels
            // an LRA right after a restart finds it instead of getting 404 until the first periodic scan.
            recoveryModule.recover();
            rearmTimeLimits(LRARecoveryModule.getService());

            // The coordinator calls each participant from the thread of the close or cancel it serves and waits up
            // to 2 s for it, while the gateway asks it for the LRA's status before running the callback. Undertow's
            // default of 8 workers per core (16 here) starves those status requests once 16 closes are waiting;
            // the coordinator as shipped (Quarkus) has at least 200 workers.
            server.start(Undertow.builder().addHttpListener(port, "127.0.0.1").setWorkerThreads(200));
            server.deploy(CoordinatorApplication.class);
        } catch (RuntimeException e) {
            stopQuietly(server);
            resetNarayana();
            throw e;
        }

        long startMillis = (System.nanoTime() - began) / 1_000_000;
        running = new NarayanaLraCoordinator(port, store, server, startMillis);
        return running;
    }

    /**
     * The coordinator shared by every test in this JVM, started on first use with a fresh store under
     * {@link #DEFAULT_OBJECT_STORE} and stopped by a shutdown hook. Whichever coordinator is running is the
     * shared one, so a test that restarts it (stop, then {@link #start(Path, int)}) leaves the new one shared.
     */
    public static synchronized NarayanaLraCoordinator shared() {
        if (running != null) {
            return running;
        }
        if (sharedPort == 0) {
            deleteRecursively(DEFAULT_OBJECT_STORE);
            sharedPort = freePort();
            Runtime.getRuntime().addShutdownHook(new Thread(NarayanaLraCoordinator::stopRunning, "lra-coordinator-stop"));
        }
        // After a test stopped it, the shared coordinator comes back on the same port and store, as after a restart.
        return start(DEFAULT_OBJECT_STORE, sharedPort);
    }

    private static synchronized void stopRunning() {
        if (running != null) {
            running.stop();
        }
    }

    /** For example {@code http://127.0.0.1:41234/lra-coordinator}: the value for {@code camel.lra.coordinator-url} plus context path. */
    public String url() {
        return baseUrl() + CONTEXT_PATH;
    }

    /** {@code http://127.0.0.1:PORT}, the value for {@code camel.lra.coordinator-url}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path objectStoreDir() {
        return objectStoreDir;
    }

    /** Time from {@code start} being called to the coordinator accepting requests. */
    public long startMillis() {
        return startMillis;
    }

    /**
     * Stops Undertow and the recovery manager and forgets every in-memory LRA, keeping the object store, so
     * that a later {@link #start(Path, int)} behaves like a coordinator process restarted on the same volume.
     */
    public void stop() {
        synchronized (NarayanaLraCoordinator.class) {
            if (stopped) {
                return;
            }
            stopped = true;
            try {
                stopQuietly(server);
                resetNarayana();
            } finally {
                running = null;
            }
        }
    }

    /** Stops the recovery manager and the object store and clears the singletons a later start must not reuse. */
    private static void resetNarayana() {
        try {
            RecoveryManager manager = RecoveryManager.manager();
            // RecoveryManagerImple opens this socket just to log its port even with the listener off, and
            // terminate() leaves it open.
            ServerSocket recoverySocket = ((PeriodicRecovery) field(field(manager, "_theImple"), "_periodicRecovery"))
                    .getServerSocket();
            manager.terminate(false);
            recoverySocket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // LRA time limits run on a static scheduler that outlives the coordinator; an abort firing after the
        // restart would act on the previous run's objects. The restarted coordinator re-arms the time limits of
        // the LRAs it recovers.
        ((ScheduledThreadPoolExecutor) staticField(LongRunningAction.class, "scheduler")).getQueue().clear();
        StoreManager.shutdown();
        setStaticField(LRARecoveryModule.class, "lraRecoveryModule", null);
        setStaticField(LRARecoveryModule.class, "_recoveryStore", null);
        Implementations.uninstall();
    }

    private static void stopQuietly(UndertowJaxrsServer server) {
        try {
            server.stop();
        } catch (RuntimeException e) {
            // not started, or already stopped
        }
    }

    /**
     * Works around a race in lra-coordinator 1.1.0.Final (still in jbosstm/lra main): when an active LRA is
     * reloaded from the store, LongRunningAction.restore_state calls setTimeLimit(ttl) with finishTime already
     * restored, and scheduleCancellation then usually sees the "new" deadline (now + ttl truncated to millis) as
     * earlier than finishTime and, refusing to shorten it, schedules nothing: the LRA never times out after a
     * coordinator restart. Asking for one millisecond more re-arms the timer at (almost) the stored deadline.
     */
    private static void rearmTimeLimits(LRAService service) {
        for (LRAData data : service.getAll(LRAStatus.Active)) {
            if (data.getFinishTime() <= 0) {
                continue;
            }
            LongRunningAction lra = service.getTransaction(data.getLraId());
            if (field(lra, LongRunningAction.class, "scheduledAbort") == null) {
                long ttl = data.getFinishTime() - Instant.now().toEpochMilli() + 1;
                lra.setTimeLimit(Math.max(ttl, 1L), false);
            }
        }
    }

    private static void configureNarayana(Path store) {
        // The three named stores (default/action, communicationStore, stateStore) are read when
        // StoreManager first creates them, which happens again after StoreManager.shutdown().
        for (String name : new String[] {null, "communicationStore", "stateStore"}) {
            BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, name).setObjectStoreDir(store.toString());
        }
        RecoveryEnvironmentBean recovery = BeanPopulator.getDefaultInstance(RecoveryEnvironmentBean.class);
        // No recovery listener socket (default port 4712) and no transaction status manager socket:
        // the LRA coordinator needs neither, and every server we run stays on 127.0.0.1.
        recovery.setRecoveryListener(false);
        recovery.setRecoveryAddress("127.0.0.1");
        recovery.setRecoveryPort(0);
        recovery.setTransactionStatusManagerAddress("127.0.0.1");
        // Retry participants that were unreachable every few seconds instead of every two minutes.
        recovery.setPeriodicRecoveryPeriod(Integer.getInteger("lra.coordinator.recoveryPeriodSeconds", 5));
        recovery.setRecoveryBackoffPeriod(1);
        BeanPopulator.getDefaultInstance(CoordinatorEnvironmentBean.class).setTransactionStatusManagerEnable(false);
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object field(Object target, String name) {
        return field(target, target.getClass(), name);
    }

    private static Object field(Object target, Class<?> declaringClass, String name) {
        try {
            Field field = declaringClass.getDeclaredField(name);
            field.setAccessible(true);
            return field.get(target);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Narayana internals changed: " + declaringClass.getName() + "." + name, e);
        }
    }

    private static Object staticField(Class<?> type, String name) {
        try {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            return field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Narayana internals changed: " + type.getName() + "." + name, e);
        }
    }

    private static void setStaticField(Class<?> type, String name, Object value) {
        try {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            field.set(null, value);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Narayana internals changed: " + type.getName() + "." + name, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deploys the coordinator resource at the root, where its own {@code @Path} puts it under /lra-coordinator. */
    @ApplicationPath("/")
    public static class CoordinatorApplication extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return Set.of(Coordinator.class);
        }
    }

    /** Runs the coordinator as its own process. Arguments: [port (0 = free)] [objectStoreDir]. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        Path store = args.length > 1 ? Path.of(args[1]) : DEFAULT_OBJECT_STORE;
        NarayanaLraCoordinator coordinator = start(store, port == 0 ? freePort() : port);
        Runtime.getRuntime().addShutdownHook(new Thread(NarayanaLraCoordinator::stopRunning, "lra-coordinator-stop"));
        System.out.println("LRA coordinator ready at " + coordinator.url() + " (store " + coordinator.objectStoreDir()
                + ", started in " + coordinator.startMillis() + " ms)");
        Thread.currentThread().join();
    }
}
