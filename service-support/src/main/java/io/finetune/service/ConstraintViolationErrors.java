package io.finetune.service;

import io.finetune.contracts.ApiError;
import io.finetune.contracts.FieldError;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.validation.exceptions.ConstraintExceptionHandler;
import jakarta.inject.Singleton;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A request that breaks a validation annotation (a missing {@code kind}, a {@code limit} out of range) is a 400 whose
 * {@link ApiError} names each field as its JSON path in the body ({@code kind}, {@code hyperParameters}), or the
 * query parameter, the way the contract's own checks name fields.
 */
@Produces
@Singleton
@Replaces(ConstraintExceptionHandler.class)
public class ConstraintViolationErrors
        implements ExceptionHandler<ConstraintViolationException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ConstraintViolationException e) {
        List<FieldError> fields = e.getConstraintViolations().stream()
                .map(v -> new FieldError(field(v.getPropertyPath()), v.getMessage()))
                .sorted(Comparator.comparing(FieldError::field)).toList();
        return ApiErrors.response(request, HttpStatus.BAD_REQUEST,
                fields.stream().map(FieldError::toString).collect(Collectors.joining("; ")), fields);
    }

    /** {@code submit.request.hyperParameters}: method, argument, then the field's path inside the argument. */
    static String field(Path path) {
        List<String> inside = new ArrayList<>();
        String argument = null;
        for (Path.Node node : path) {
            switch (node.getKind()) {
                case METHOD, CONSTRUCTOR, RETURN_VALUE, CROSS_PARAMETER -> {
                }
                case PARAMETER -> argument = node.getName();
                default -> inside.add(node.getIndex() == null ? node.getName() : node.getName() + "[" + node.getIndex()
                        + "]");
            }
        }
        return inside.isEmpty() ? String.valueOf(argument) : String.join(".", inside);
    }
}
