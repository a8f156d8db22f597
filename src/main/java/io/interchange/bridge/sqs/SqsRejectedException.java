package io.interchange.bridge.sqs;

import io.interchange.bridge.UndeliverableException;

/**
 * SQS refused the message itself (an invalid parameter, attribute or content): sent again it would be
 * refused again, so it is dead-lettered at once.
 */
public class SqsRejectedException extends UndeliverableException {

    public SqsRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
