package io.finetune.ml.net;

import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/** A named block of a network: its parameters and the ops it adds to a graph. */
public interface Layer {
    String name();

    Shape outputShape(Shape input, int numClasses);

    List<ParamSpec> params(Shape input, int numClasses);

    SDVariable apply(GraphBuilder graph, SDVariable input, Shape inputShape, int numClasses);
}
