package io.finetune.trainer;

import io.finetune.contracts.Augmentation;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetRef;
import io.finetune.contracts.HyperParameters;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.TrainingCommand;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecodedCommandTest {
    static TrainingCommand command(String jobId, int epochs) {
        return new TrainingCommand(TrainingCommand.SCHEMA_VERSION, jobId, JobKind.BASE, "m",
                new DatasetRef("d", "latest"), null, "res-cnn",
                new HyperParameters(epochs, 8, 0.01, 16, Augmentation.NONE, null, null, null, null), 1L);
    }

    @Test
    void aValidCommandIsValid() {
        DecodedCommand d = DecodedCommand.of(ContractCodec.encode(command("job-1", 2)));
        assertEquals("job-1", assertInstanceOf(DecodedCommand.Valid.class, d).command().jobId());
    }

    @Test
    void aCommandThatBreaksARuleButNamesItsJobIsInvalidWithTheFieldInTheReason() {
        DecodedCommand d = DecodedCommand.of(ContractCodec.encode(command("job-2", 0)));
        DecodedCommand.Invalid invalid = assertInstanceOf(DecodedCommand.Invalid.class, d);
        assertEquals("job-2", invalid.command().jobId());
        assertTrue(invalid.reason().contains("hyperParameters.epochs: expected 1 to 1000, found 0"), invalid.reason());
    }

    @Test
    void bytesThatAreNotJsonAreUnparseable() {
        DecodedCommand d = DecodedCommand.of("{oops".getBytes(StandardCharsets.UTF_8));
        assertTrue(assertInstanceOf(DecodedCommand.Unparseable.class, d).error().contains("expected valid JSON"));
    }

    @Test
    void aCommandWithoutAUsableJobIdIsUnparseable() {
        DecodedCommand d = DecodedCommand.of(ContractCodec.encode(command("bad id with spaces", 2)));
        assertTrue(assertInstanceOf(DecodedCommand.Unparseable.class, d).error().contains("jobId"));
    }

    @Test
    void wrongTypesAreUnparseable() {
        String json = ContractCodec.encodeToString(command("job-3", 2)).replace("\"epochs\":2", "\"epochs\":\"two\"");
        assertInstanceOf(DecodedCommand.Unparseable.class, DecodedCommand.of(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anUnknownSchemaVersionIsUnparseable() {
        String json = ContractCodec.encodeToString(command("job-4", 2)).replace("\"schemaVersion\":1",
                "\"schemaVersion\":9");
        assertInstanceOf(DecodedCommand.Unparseable.class, DecodedCommand.of(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aCancelNeedsOnlyItsJobId() {
        byte[] cancel = ContractCodec.encode(new TrainingCommand(TrainingCommand.SCHEMA_VERSION, "job-5",
                JobKind.CANCEL, null, null, null, null, null, null));
        assertEquals(JobKind.CANCEL, assertInstanceOf(DecodedCommand.Valid.class, DecodedCommand.of(cancel))
                .command().kind());
    }
}
