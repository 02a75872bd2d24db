package io.finetune.ml.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;

/**
 * {@code finetune ml ...}: train, fine-tune, evaluate, predict and the whole flower experiment, without any
 * service. Results go to stdout; progress and logs to stderr.
 */
@Command(name = "ml", mixinStandardHelpOptions = true, version = "finetune ml 0.1.0",
        description = "Train, fine-tune, import pretrained backbones, evaluate and run the flower experiments with Deeplearning4j and oneDNN.",
        subcommands = {TrainCommand.class, FinetuneCommand.class, EvaluateCommand.class, PredictCommand.class,
                ExperimentCommand.class, ImportCommand.class})
public final class MlCli implements Runnable {
    /** The process's real stdout: SameDiff prints diagnostics with System.out, which main redirects to stderr. */
    static final class Streams {
        final PrintStream out;
        final PrintStream err;

        Streams(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.err);
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "finetune-ml-cli-logback.xml");
        }
        System.setProperty("java.awt.headless", "true");
        PrintStream stdout = System.out;
        System.setOut(System.err);
        Streams streams = new Streams(stdout, System.err);
        CommandLine cli = new CommandLine(new MlCli(), new StreamsFactory(streams));
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        int code = cli.execute(args);
        stdout.flush();
        System.exit(code);
    }

    /** Hands every command the real output streams. */
    private record StreamsFactory(Streams streams) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                return cls.getDeclaredConstructor(Streams.class).newInstance(streams);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }
}
