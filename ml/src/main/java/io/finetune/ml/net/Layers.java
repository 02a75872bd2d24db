package io.finetune.ml.net;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

import java.util.ArrayList;
import java.util.List;

/** The layer kinds the registry's architectures are built from; all NHWC, weights [kH, kW, in, out]. */
public final class Layers {
    private Layers() {
    }

    /** Conv k x k (+ max pool 2x2 stride 2, same padding) (+ batch norm) (+ ReLU). */
    public record Conv(String name, int kernel, int filters, int stride, boolean samePadding, boolean batchNorm,
                       boolean relu, boolean maxPool) implements Layer {
        @Override
        public Shape outputShape(Shape in, int numClasses) {
            int h = convOut(in.height());
            int w = convOut(in.width());
            if (maxPool) {
                h = (h + 1) / 2;
                w = (w + 1) / 2;
            }
            return new Shape(h, w, filters);
        }

        private int convOut(int size) {
            return samePadding ? (size + stride - 1) / stride : (size - kernel) / stride + 1;
        }

        @Override
        public List<ParamSpec> params(Shape in, int numClasses) {
            List<ParamSpec> p = new ArrayList<>();
            long fanIn = (long) kernel * kernel * in.channels();
            p.add(new ParamSpec(name + "/W", new long[]{kernel, kernel, in.channels(), filters},
                    ParamSpec.Init.HE_UNIFORM, fanIn, (long) kernel * kernel * filters));
            if (batchNorm) {
                p.addAll(batchNormParams(name, filters));
            } else {
                p.add(new ParamSpec(name + "/b", new long[]{filters}, ParamSpec.Init.ZEROS, 1, 1));
            }
            return p;
        }

        /**
         * Convolution, max pool, batch norm, ReLU. Batch norm comes after the pool (max pooling does not commute
         * with a normalization whose scale may be negative, so the order is part of the architecture): it then
         * normalizes a map 4x smaller. Without batch norm, max pool and ReLU commute.
         */
        @Override
        public SDVariable apply(GraphBuilder g, SDVariable x, Shape in, int numClasses) {
            SDVariable y = pool(g, convolve(g, x));
            if (batchNorm) {
                y = g.batchNorm(name, y);
            }
            return activation(g, y);
        }

        /** The convolution alone, with its bias unless batch norm follows. */
        private SDVariable convolve(GraphBuilder g, SDVariable x) {
            Conv2DConfig config = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                    .paddingMode(samePadding ? PaddingMode.SAME : PaddingMode.VALID).dataFormat("NHWC")
                    .weightsFormat(WeightsFormat.YXIO).build();
            SDVariable w = g.param(name + "/W");
            return batchNorm ? g.sd().cnn().conv2d(x, w, config)
                    : g.sd().cnn().conv2d(x, w, g.param(name + "/b"), config);
        }

        /** Padding on each side: (k-1)/2 for same padding at stride 1, else none. */
        int padding() {
            return samePadding && stride == 1 ? (kernel - 1) / 2 : 0;
        }

        private SDVariable activation(GraphBuilder g, SDVariable y) {
            return relu ? g.sd().nn().relu(y, 0) : y;
        }

        private SDVariable pool(GraphBuilder g, SDVariable y) {
            if (!maxPool) {
                return y;
            }
            return g.sd().cnn().maxPooling2d(y, Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2)
                    .paddingMode(PaddingMode.SAME).type(Pooling2D.Pooling2DType.MAX).isNHWC(true).build());
        }
    }

    /** Two 3x3 conv + batch norm with an identity shortcut: relu(x + bn(conv(relu(bn(conv(x)))))). */
    public record Residual(String name, int filters) implements Layer {
        /** The block's first ("/a", with ReLU) or second ("/b", without) convolution: 3x3, same padding, batch norm. */
        Conv conv(String part) {
            return new Conv(name + part, 3, filters, 1, true, true, part.equals("/a"), false);
        }

        @Override
        public Shape outputShape(Shape in, int numClasses) {
            return in;
        }

        @Override
        public List<ParamSpec> params(Shape in, int numClasses) {
            if (in.channels() != filters) {
                throw new IllegalArgumentException("expected " + filters + " input channels for residual " + name
                        + ", found " + in.channels());
            }
            List<ParamSpec> p = new ArrayList<>();
            for (String part : List.of("/a", "/b")) {
                p.addAll(conv(part).params(in, numClasses));
            }
            return p;
        }

        @Override
        public SDVariable apply(GraphBuilder g, SDVariable x, Shape in, int numClasses) {
            SDVariable a = conv("/a").apply(g, x, in, numClasses);
            SDVariable b = conv("/b").apply(g, a, in, numClasses);
            return g.sd().nn().relu(x.add(b), 0);
        }
    }

    /** Mean over height and width. */
    public record GlobalAveragePool(String name) implements Layer {
        @Override
        public Shape outputShape(Shape in, int numClasses) {
            return Shape.flat(in.channels());
        }

        @Override
        public List<ParamSpec> params(Shape in, int numClasses) {
            return List.of();
        }

        @Override
        public SDVariable apply(GraphBuilder g, SDVariable x, Shape in, int numClasses) {
            return x.mean(1, 2);
        }
    }

    /** Fully connected; flattens a spatial input in NHWC order (as Keras Flatten does). units 0 = class count. */
    public record Dense(String name, int units, boolean relu) implements Layer {
        public static Dense classifier(String name) {
            return new Dense(name, 0, false);
        }

        private int out(int numClasses) {
            return units == 0 ? numClasses : units;
        }

        @Override
        public Shape outputShape(Shape in, int numClasses) {
            return Shape.flat(out(numClasses));
        }

        @Override
        public List<ParamSpec> params(Shape in, int numClasses) {
            long n = in.size();
            ParamSpec.Init init = relu ? ParamSpec.Init.HE_UNIFORM : ParamSpec.Init.GLOROT_UNIFORM;
            return List.of(new ParamSpec(name + "/W", new long[]{n, out(numClasses)}, init, n, out(numClasses)),
                    new ParamSpec(name + "/b", new long[]{out(numClasses)}, ParamSpec.Init.ZEROS, 1, 1));
        }

        @Override
        public SDVariable apply(GraphBuilder g, SDVariable x, Shape in, int numClasses) {
            SDVariable flat = in.isFlat() ? x : x.reshape(-1, in.size());
            SDVariable y = flat.mmul(g.param(name + "/W")).add(g.param(name + "/b"));
            return relu ? g.sd().nn().relu(y, 0) : y;
        }
    }

    static List<ParamSpec> batchNormParams(String name, int channels) {
        long[] shape = {channels};
        return List.of(new ParamSpec(name + "/gamma", shape, ParamSpec.Init.ONES, 1, 1),
                new ParamSpec(name + "/beta", shape, ParamSpec.Init.ZEROS, 1, 1),
                new ParamSpec(name + "/mean", shape, ParamSpec.Init.ZEROS, 1, 1),
                new ParamSpec(name + "/var", shape, ParamSpec.Init.ONES, 1, 1));
    }
}
