package io.finetune.contracts;

/** The JSON body of every error answered over HTTP. */
public record ApiError(int status, String error, String message, String path) {
}
