package io.finetune.demo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code ./finetune demo}: see {@link DemoRun}. */
@Command(name = "finetune demo", mixinStandardHelpOptions = true,
        description = "Runs the flower fine-tuning experiment through the running system and writes demo-report/.")
public final class DemoCli implements Callable<Integer> {
    @Option(names = "--flower5", description = "Flower5 folder (<class>/*.jpg); default ../shared/datasets/flower5")
    Path flower5;
    @Option(names = "--flower102", description = "Flower102 folder (train|valid/<class>/*.jpg); default "
            + "../shared/datasets/flower102")
    Path flower102;
    @Option(names = "--quick", description = "CI scale: 12 Flower102 classes, 32 px, base 6 epochs, fine-tune and "
            + "scratch 3, the backbone 2 + 1 on 2 views")
    boolean quick;
    @Option(names = "--full", description = "the reference settings: 180 px, 10 epochs, all images")
    boolean full;
    @Option(names = "--epochs", description = "override the epochs of fine-tune and scratch")
    Integer epochs;
    @Option(names = "--base-epochs", description = "override the epochs of the base model")
    Integer baseEpochs;
    @Option(names = "--image-size", description = "override the square input size in pixels")
    Integer imageSize;
    @Option(names = "--gateway", defaultValue = "http://127.0.0.1:8080", description = "gateway URL (${DEFAULT-VALUE})")
    URI gatewayUrl;
    @Option(names = "--prometheus", description = "Prometheus URL, to check that it holds the demo's series")
    URI prometheus;
    @Option(names = "--api-key", description = "gateway API key; default: FINETUNE_GATEWAY_API_KEYS (first key)")
    String apiKey;
    @Option(names = "--report", defaultValue = "demo-report", description = "report folder (${DEFAULT-VALUE})")
    Path report;
    @Option(names = "--cache", defaultValue = ".local/cache", description = "where prepared data goes (${DEFAULT-VALUE})")
    Path cache;
    @Option(names = "--no-backbone", description = "skip the ImageNet EfficientNet-Lite0 fine-tune")
    boolean noBackbone;

    @Option(names = "--timeout-minutes", defaultValue = "60", description = "give up after (${DEFAULT-VALUE})")
    int timeoutMinutes;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new DemoCli()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("finetune demo: " + e.getMessage());
            return 1;
        }).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (quick && full) {
            throw new DemoException("expected at most one of --quick and --full, found both");
        }
        DemoSettings s = quick ? DemoSettings.quick() : full ? DemoSettings.full() : DemoSettings.standard();
        s = new DemoSettings(s.name(), s.flower5Classes(), s.flower102Classes(), s.flower5ImagesPerClass(),
                s.flower102ImagesPerClass(),
                s.heldOutPerClass(), imageSize != null ? imageSize : s.imageSize(),
                baseEpochs != null ? baseEpochs : s.baseEpochs(), epochs != null ? epochs : s.epochs(),
                s.batchSize(), s.learningRate(), s.architecture(), s.seed(), noBackbone ? null : s.backbone());
        Path shared = DemoData.sharedDatasets(Path.of("").toAbsolutePath());
        Path f5 = flower5 != null ? flower5 : shared.resolve("flower5");
        Path f102 = flower102 != null ? flower102 : shared.resolve("flower102");
        if ((flower5 == null || flower102 == null) && (!Files.isDirectory(f5) || !Files.isDirectory(f102))) {
            System.out.println("no flower datasets in " + shared + ": fetching the official archives");
            Path fetched = new OfficialArchives(cache.toAbsolutePath(), System.out).fetchAll();
            f5 = flower5 != null ? flower5 : fetched.resolve("flower5");
            f102 = flower102 != null ? flower102 : fetched.resolve("flower102");
        }
        System.out.printf("finetune demo, preset %s: %d px, base %d epochs, fine-tune and scratch %d epochs each%n",
                s.name(), s.imageSize(), s.baseEpochs(), s.epochs());
        DemoData.Prepared data = DemoData.prepare(f5, f102, s, cache.toAbsolutePath());
        String key = apiKey != null ? apiKey : firstKey(System.getenv("FINETUNE_GATEWAY_API_KEYS"));
        DemoRun run = new DemoRun(new GatewayClient(gatewayUrl, key), s, data, System.out, prometheus,
                System.console() != null, Duration.ofMinutes(timeoutMinutes));
        DemoResults results = run.run();
        DemoReport.write(results, report);
        LearningComparison c = results.comparison();
        System.out.printf("%nAfter %d epochs: fine-tune %.3f vs scratch %.3f validation accuracy.%n", c.epochs(),
                c.fineTuneFinalValidationAccuracy(), c.scratchFinalValidationAccuracy());
        if (results.backbone() != null) {
            System.out.printf("ImageNet %s fine-tuned: %.3f validation accuracy after %d epochs (%.0f s).%n",
                    s.backbone().architecture(), results.backbone().finalValidationAccuracy(),
                    results.backbone().epochs().size(), results.backbone().wallSeconds());
        }
        System.out.println("Report: " + report.toAbsolutePath().resolve("report.html"));
        return 0;
    }

    private static String firstKey(String keys) {
        if (keys == null || keys.isBlank()) {
            return null;
        }
        return keys.split(",")[0].trim();
    }
}
