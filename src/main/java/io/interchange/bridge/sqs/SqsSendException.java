package io.interchange.bridge.sqs;

/** SQS did not take a message (it answered with an error, could not be reached, or an earlier message of its group failed). */
public class SqsSendException extends Exception {

    public SqsSendException(String message, Throwable cause) {
        super(message, cause);
    }
}
