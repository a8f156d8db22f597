package io.interchange.routetests;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.camel.util.URISupport;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

import io.interchange.routetests.RouteTestFile.TestCase;
import io.interchange.routetests.TestFileNode.InvalidTestFileException;

/**
 * The declarative route tests (docs/route-tests.md): every {@code routes/tests/*.test.yaml}, each case a
 * test of its own, run on the gateway without brokers ({@link GatewayUnderTest}). Part of the unit tests;
 * one file or a few: {@code scripts/test-routes.sh routes/tests/orders-router.test.yaml}, which runs
 * {@code ./mvnw test -Dtest=RouteTests -Droute.tests=<files or folders, comma-separated>}.
 */
class RouteTests {

    /** Test files or folders of them, comma-separated; unset: every file in routes/tests. */
    static final String SELECTION = "route.tests";

    private static final Path ROUTES = Path.of("routes");

    @TestFactory
    Stream<DynamicNode> routeTests() {
        String selection = System.getProperty(SELECTION, "").strip();
        if (selection.isEmpty()) {
            return Stream.concat(Stream.of(dynamicTest("every route file has a test file", RouteTests::everyRouteFileHasTests)),
                    testFiles(ROUTES.resolve("tests")).stream().map(RouteTests::file));
        }
        List<Path> files = new ArrayList<>();
        for (String part : selection.split(",")) {
            Path path = Path.of(part.strip());
            if (Files.isDirectory(path)) {
                files.addAll(testFiles(path));
            } else if (Files.isRegularFile(path)) {
                files.add(path);
            } else {
                throw new IllegalArgumentException(SELECTION + ": no file or folder " + path.toAbsolutePath());
            }
        }
        return files.stream().map(RouteTests::file);
    }

    /** A container per test file: its endpoints (if it lists them), then its cases in file order. */
    static DynamicNode file(Path path) {
        String name = path.getFileName().toString();
        RouteTestFile file;
        try {
            file = RouteTestFile.read(path);
        } catch (InvalidTestFileException e) {
            String problem = e.getMessage();
            return dynamicContainer(name, path.toUri(), Stream.of(dynamicTest("the test file is valid", () -> {
                throw new AssertionFailedError(problem);
            })));
        }
        Gateways gateways = new Gateways(file);
        List<DynamicNode> tests = new ArrayList<>();
        if (!file.endpoints().isEmpty()) {
            tests.add(dynamicTest("endpoints", path.toUri(), () -> checkEndpoints(file, gateways.forConfig(Map.of()))));
        }
        for (TestCase testCase : file.cases()) {
            tests.add(dynamicTest(testCase.name(), path.toUri(), () -> gateways.run(testCase)));
        }
        return dynamicContainer(name, path.toUri(), tests.stream().onClose(gateways::close));
    }

    /** Runs one case of a file and fails with every difference found. */
    static void run(RouteTestFile file, TestCase testCase, GatewayUnderTest gateway) {
        List<String> findings;
        try {
            findings = CaseRun.run(gateway, testCase);
        } catch (IllegalArgumentException e) {
            throw new AssertionFailedError(heading(file, testCase) + "\n  - " + e.getMessage());
        }
        if (!findings.isEmpty()) {
            throw new AssertionFailedError(heading(file, testCase) + "\n  - " + String.join("\n  - ", findings));
        }
    }

    private static String heading(RouteTestFile file, TestCase testCase) {
        return file.path() + ", case \"" + testCase.name() + "\" (" + testCase.path() + "):";
    }

    private static void checkEndpoints(RouteTestFile file, GatewayUnderTest gateway) throws Exception {
        List<String> findings = new ArrayList<>();
        for (Map.Entry<String, String> expected : file.endpoints().entrySet()) {
            String actual = gateway.endpoints().get(expected.getKey());
            if (actual == null) {
                findings.add(expected.getKey() + ": no route id or sink of that name; there are "
                        + String.join(", ", gateway.endpoints().keySet()));
            } else if (!sameEndpoint(actual, expected.getValue())) {
                findings.add(expected.getKey() + ": expected " + expected.getValue() + "\n      but it is " + actual);
            }
        }
        if (!findings.isEmpty()) {
            throw new AssertionFailedError(file.path() + ", endpoints:\n  - " + String.join("\n  - ", findings));
        }
    }

    /** The same scheme and path, and the same options in any order. */
    static boolean sameEndpoint(String a, String b) throws URISyntaxException {
        return GatewayUnderTest.withoutOptions(a).equals(GatewayUnderTest.withoutOptions(b))
                && options(a).equals(options(b));
    }

    private static Map<String, Object> options(String uri) throws URISyntaxException {
        int query = uri.indexOf('?');
        return query < 0 ? Map.of() : URISupport.parseQuery(uri.substring(query + 1));
    }

    private static void everyRouteFileHasTests() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROUTES)) {
            files.filter(f -> f.toString().endsWith(".yaml")).sorted().forEach(routeFile -> {
                String name = routeFile.getFileName().toString();
                Path tests = ROUTES.resolve("tests").resolve(name.substring(0, name.length() - ".yaml".length())
                        + RouteTestFile.SUFFIX);
                if (!Files.exists(tests)) {
                    missing.add(routeFile + " has no " + tests);
                }
            });
        }
        if (!missing.isEmpty()) {
            throw new AssertionFailedError("Every route file has a test file (docs/route-tests.md):\n  - "
                    + String.join("\n  - ", missing));
        }
    }

    private static List<Path> testFiles(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(RouteTestFile.SUFFIX)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The gateways one file's cases run on: one with the file's settings, and one more for each different
     * set of settings a case adds; started when first needed, stopped when the file is done.
     */
    static final class Gateways implements AutoCloseable {

        private final RouteTestFile file;
        private final Map<Map<String, String>, GatewayUnderTest> started = new LinkedHashMap<>();
        private final Map<Map<String, String>, RuntimeException> failed = new LinkedHashMap<>();

        Gateways(RouteTestFile file) {
            this.file = file;
        }

        void run(TestCase testCase) {
            RouteTests.run(file, testCase, forConfig(testCase.config()));
        }

        GatewayUnderTest forConfig(Map<String, String> caseConfig) {
            Map<String, String> config = new LinkedHashMap<>(file.config());
            config.putAll(caseConfig);
            RuntimeException failure = failed.get(config);
            if (failure != null) {
                throw failure;
            }
            GatewayUnderTest gateway = started.get(config);
            if (gateway == null) {
                try {
                    gateway = GatewayUnderTest.start(file.routeFiles(), config);
                } catch (Exception e) {
                    failure = new IllegalStateException(file.path() + ": the gateway did not start with " + file.routeFiles()
                            + " and settings " + config + ": " + GatewayUnderTest.describe(e), e);
                    failed.put(config, failure);
                    throw failure;
                }
                started.put(config, gateway);
            }
            return gateway;
        }

        @Override
        public void close() {
            started.values().forEach(GatewayUnderTest::close);
            started.clear();
        }
    }
}
