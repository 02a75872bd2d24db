package io.finetune.contracts;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

import static io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;

/**
 * The JSON body of every error answered over HTTP, by every service and the gateway.
 *
 * @param status    the HTTP status code
 * @param error     its reason phrase ({@code Bad Request})
 * @param message   what was wrong, for a 4xx naming the field, value or file; for a 500 only "internal error" and the
 *                  request id to quote (the fault itself is in the service's log under that id)
 * @param path      the request's path
 * @param requestId the request's id, also in the {@code X-Request-Id} response header: the caller's own if it sent a
 *                  valid one, else one the service made; the gateway forwards it, so one id follows a request
 * @param fields    when the request's body broke field rules, each of them (a JSON path such as
 *                  {@code hyperParameters.imageSize} and what was expected), so a client can show every error beside
 *                  its input; null otherwise. {@code message} names them too.
 */
public record ApiError(@Schema(requiredMode = REQUIRED) int status, @Schema(requiredMode = REQUIRED) String error,
                       @Schema(requiredMode = REQUIRED) String message, @Schema(requiredMode = REQUIRED) String path,
                       @Schema(requiredMode = REQUIRED) String requestId, List<FieldError> fields) {
}
