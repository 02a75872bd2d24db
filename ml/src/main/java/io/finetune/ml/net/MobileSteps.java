package io.finetune.ml.net;

import io.finetune.ml.net.MobileLayers.ConvBn;
import io.finetune.ml.net.MobileLayers.MBConv;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/** The {@link DirectExecutor} steps of {@link MobileLayers}: oneDNN convolutions with batch norm folded in. */
final class MobileSteps {
    private MobileSteps() {
    }

    static ExecutorStep of(StepContext context, Layer layer, int batch, Shape in, boolean trainable) {
        if (layer instanceof ConvBn c) {
            return new ConvBnStep(context, c, batch, in, trainable);
        }
        return new MBConvStep(context, (MBConv) layer, batch, in, trainable);
    }

    /** Bytes per image of the largest map a forward pass of {@code layer} writes. */
    static long largestMapBytes(Layer layer, Shape in) {
        if (layer instanceof ConvBn c) {
            return 4L * MobileLayers.sameOutput(in.height(), c.stride()) * MobileLayers.sameOutput(in.width(),
                    c.stride()) * c.filters();
        }
        MBConv b = (MBConv) layer;
        long hidden = b.hidden(in.channels());
        return 4L * Math.max((b.expands() ? (long) in.height() * in.width() : 0) * hidden,
                (long) MobileLayers.sameOutput(in.height(), b.stride()) * MobileLayers.sameOutput(in.width(),
                        b.stride()) * Math.max(hidden, b.filters()));
    }

    /** Convolution, batch norm, ReLU6 and, for the backbone's top, global average pooling. */
    private static final class ConvBnStep implements ExecutorStep {
        private final StepContext context;
        private final ConvBn layer;
        private final FoldedConv conv;
        private final INDArray out;
        private final INDArray pooled;
        private INDArray dMap;

        ConvBnStep(StepContext context, ConvBn layer, int batch, Shape in, boolean trainable) {
            this.context = context;
            this.layer = layer;
            DnnlConvolution c = context.track(new DnnlConvolution(context.stream(), batch, in.height(), in.width(),
                    in.channels(), layer.filters(), layer.kernel(), layer.stride(), false, layer.relu6(), false,
                    trainable));
            this.conv = new FoldedConv(context, layer.name(), c, layer.filters(), layer.relu6(), trainable,
                    in.batchShape(batch));
            out = context.track(Nd4j.create(DataType.FLOAT, batch,
                    MobileLayers.sameOutput(in.height(), layer.stride()),
                    MobileLayers.sameOutput(in.width(), layer.stride()), layer.filters()));
            pooled = layer.pool() ? context.track(Nd4j.create(DataType.FLOAT, batch, layer.filters())) : null;
        }

        @Override
        public INDArray forward(INDArray x, boolean keep) {
            conv.forward(x, out);
            if (!layer.pool()) {
                return out;
            }
            long t = context.start();
            Nd4j.exec(DynamicCustomOp.builder("reduce_mean").addInputs(out).addOutputs(pooled)
                    .addIntegerArguments(1, 2).build());
            context.stop("global average pool", t);
            return pooled;
        }

        @Override
        public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
            INDArray d = dOut;
            if (layer.pool()) {
                if (dMap == null) {
                    dMap = context.track(Nd4j.create(DataType.FLOAT, out.shape()));
                }
                long t = context.start();
                Nd4j.exec(DynamicCustomOp.builder("reduce_mean_bp").addInputs(out, dOut).addOutputs(dMap)
                        .addIntegerArguments(1, 2).build());
                context.stop("global average pool backward", t);
                d = dMap;
            }
            return conv.backward(x, out, d, needInput, grads);
        }
    }

    /**
     * Expansion (1x1, BN, ReLU6), depthwise (BN, ReLU6), projection (1x1, BN) and, when the block keeps its shape,
     * the input added back: fused into the projection as a sum post-op on an output that first holds the input.
     */
    private static final class MBConvStep implements ExecutorStep {
        private final StepContext context;
        private final MBConv layer;
        private final boolean residual;
        private final FoldedConv expand;
        private final FoldedConv depthwise;
        private final FoldedConv project;
        private final INDArray expanded;
        private final INDArray filtered;
        private final INDArray out;
        private INDArray dInput;

        MBConvStep(StepContext context, MBConv layer, int batch, Shape in, boolean trainable) {
            this.context = context;
            this.layer = layer;
            this.residual = layer.residual(in);
            int hidden = layer.hidden(in.channels());
            int oh = MobileLayers.sameOutput(in.height(), layer.stride());
            int ow = MobileLayers.sameOutput(in.width(), layer.stride());
            String n = layer.name();
            if (layer.expands()) {
                DnnlConvolution c = context.track(new DnnlConvolution(context.stream(), batch, in.height(), in.width(),
                        in.channels(), hidden, 1, 1, false, true, false, trainable));
                expand = new FoldedConv(context, n + "/expand", c, hidden, true, trainable, in.batchShape(batch));
                expanded = context.track(Nd4j.create(DataType.FLOAT, batch, in.height(), in.width(), hidden));
            } else {
                expand = null;
                expanded = null;
            }
            DnnlConvolution dw = context.track(new DnnlConvolution(context.stream(), batch, in.height(), in.width(),
                    hidden, hidden, layer.kernel(), layer.stride(), true, true, false, trainable));
            depthwise = new FoldedConv(context, n + "/depthwise", dw, hidden, true, trainable,
                    new long[]{batch, in.height(), in.width(), hidden});
            DnnlConvolution pw = context.track(new DnnlConvolution(context.stream(), batch, oh, ow, hidden,
                    layer.filters(), 1, 1, false, false, residual, trainable));
            project = new FoldedConv(context, n + "/project", pw, layer.filters(), false, trainable,
                    new long[]{batch, oh, ow, hidden});
            filtered = context.track(Nd4j.create(DataType.FLOAT, batch, oh, ow, hidden));
            out = context.track(Nd4j.create(DataType.FLOAT, batch, oh, ow, layer.filters()));
        }

        @Override
        public INDArray forward(INDArray x, boolean keep) {
            INDArray e = x;
            if (expand != null) {
                expand.forward(x, expanded);
                e = expanded;
            }
            depthwise.forward(e, filtered);
            if (residual) {
                long t = context.start();
                out.assign(x);
                context.stop("residual copy", t);
            }
            project.forward(filtered, out);
            return out;
        }

        @Override
        public INDArray backward(INDArray x, INDArray dOut, boolean needInput, Map<String, INDArray> grads) {
            INDArray dFiltered = project.backward(filtered, out, dOut, true, grads);
            INDArray e = expand != null ? expanded : x;
            INDArray dExpanded = depthwise.backward(e, filtered, dFiltered, expand != null || needInput, grads);
            INDArray dx = expand != null ? expand.backward(x, expanded, dExpanded, needInput, grads) : dExpanded;
            if (!needInput) {
                return null;
            }
            if (!residual) {
                return dx;
            }
            if (dInput == null) {
                dInput = context.track(Nd4j.create(DataType.FLOAT, x.shape()));
            }
            long t = context.start();
            Nd4j.exec(DynamicCustomOp.builder("add").addInputs(dx, dOut).addOutputs(dInput).build());
            context.stop("residual gradient", t);
            return dInput;
        }
    }
}
