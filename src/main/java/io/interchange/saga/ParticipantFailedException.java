package io.interchange.saga;

/** A participant answered a saga request with a failure, or not within its call timeout. */
public class ParticipantFailedException extends RuntimeException {

    private final String participant;
    private final String action;

    public ParticipantFailedException(String participant, String action, String reason) {
        super(participant + " " + action + " failed: " + reason);
        this.participant = participant;
        this.action = action;
    }

    public String participant() {
        return participant;
    }

    public String action() {
        return action;
    }
}
