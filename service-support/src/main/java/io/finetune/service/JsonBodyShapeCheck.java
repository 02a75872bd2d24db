package io.finetune.service;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.beans.BeanIntrospection;
import io.micronaut.core.reflect.ReflectionUtils;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpStatus;
import io.micronaut.jackson.JacksonDeserializationPreInstantiateCallback;
import jakarta.inject.Singleton;

/**
 * Checks a request record's constructor arguments before JSON makes it, in place of Micronaut's own check: a JSON
 * body that is a single value ({@code false}, {@code 3}, {@code "x"}) where a record is expected is the caller's
 * mistake, 400 saying so (Micronaut's check would hand the value to the record's validators and fail with a 500).
 * A record's constraints are checked where the controller asks for them ({@code @Valid @Body}), after binding, so
 * that each broken field is named in the error's {@code fields}.
 */
@Singleton
@Replaces(JacksonDeserializationPreInstantiateCallback.class)
public class JsonBodyShapeCheck implements JacksonDeserializationPreInstantiateCallback {
    @Override
    public void preInstantiate(BeanIntrospection<?> introspection, Object... arguments) {
        Argument<?>[] expected = introspection.getConstructorArguments();
        boolean fits = arguments.length == expected.length;
        for (int i = 0; fits && i < arguments.length; i++) {
            fits = arguments[i] == null || ReflectionUtils.getWrapperType(expected[i].getType())
                    .isInstance(arguments[i]);
        }
        if (!fits) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "expected a JSON object ("
                    + introspection.getBeanType().getSimpleName() + "), found a single value");
        }
    }
}
