package io.finetune.ml.cli;

import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.WeightsSource;
import io.finetune.ml.PretrainedModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "import", mixinStandardHelpOptions = true, description = "Import pretrained weights (safetensors: "
        + "efficientnet-lite-pytorch or timm tensor names) as a model package with the checkpoint's classes "
        + "(ImageNet's 1000), its own preprocessing and the file's provenance. The package can be evaluated, "
        + "served and fine-tuned like any other.")
final class ImportCommand implements Callable<Integer> {
    private final MlCli.Streams streams;

    @Option(names = "--arch", required = true, description = "efficientnet-lite0, efficientnet-lite1 or "
            + "efficientnet-lite2")
    String architecture;

    @Option(names = "--weights", required = true, description = "model.safetensors")
    Path weights;

    @Option(names = "--out", required = true, description = "package directory to write")
    Path out;

    @Option(names = "--name", description = "model name in the manifest (default imagenet-<arch>)")
    String name;

    @Option(names = "--version", description = "model version in the manifest (default 1)", defaultValue = "1")
    String version;

    @Option(names = "--classes", description = "class names, one per line in output order (default "
            + "imagenet_classes.txt beside the weights)")
    Path classes;

    @Option(names = "--licence", description = "licence of the weights, when the file is not one this project "
            + "knows")
    String licence;

    @Option(names = "--origin", description = "where the weights come from, when the file is not one this project "
            + "knows")
    String origin;

    ImportCommand(MlCli.Streams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() throws Exception {
        String modelName = name != null ? name : "imagenet-" + architecture;
        Path classesFile = classes != null ? classes : PretrainedModels.defaultClassesFile(weights);
        ModelManifest m = PretrainedModels.importPackage(weights, architecture, classesFile, out, modelName, version,
                new PretrainedModels.Origin(licence, origin));
        WeightsSource source = m.provenance().pretrained();
        streams.err.printf("imported %s (%s, %d classes, %d px) from %s%n  sha256 %s, licence %s%n  origin: %s%n"
                        + "  written to %s%n", m.name(), m.architecture(), m.classes().size(), m.imageSize(),
                source.fileName(), source.sha256(), source.licence(), source.origin(), out);
        streams.out.println(io.finetune.contracts.ContractCodec.encodeToString(m));
        return 0;
    }
}
