package io.finetune.contracts;

import java.util.List;

/**
 * The JSON body of every error answered over HTTP.
 *
 * @param fields when the request's body broke field rules, each of them (a JSON path such as
 *               {@code hyperParameters.imageSize} and what was expected), so a client can show every error beside
 *               its input; null otherwise. {@code message} names them too.
 */
public record ApiError(int status, String error, String message, String path, List<FieldError> fields) {
    public ApiError(int status, String error, String message, String path) {
        this(status, error, message, path, null);
    }
}
