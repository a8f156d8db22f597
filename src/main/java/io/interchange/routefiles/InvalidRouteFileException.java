package io.interchange.routefiles;

/** A route file that loaded as YAML but cannot run; the message names file, line and route. */
public class InvalidRouteFileException extends RuntimeException {

    private final String file;
    private final int line;

    public InvalidRouteFileException(String file, int line, String routeId, String problem, Throwable cause) {
        super(file + (line > 0 ? ", line " + line : "") + ", route '" + routeId + "': " + problem, cause);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }
}
