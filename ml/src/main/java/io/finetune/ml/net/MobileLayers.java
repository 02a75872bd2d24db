package io.finetune.ml.net;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

import java.util.ArrayList;
import java.util.List;

/**
 * The layer kinds of mobile backbones (EfficientNet-Lite): batch-normed convolutions with ReLU6 and inverted
 * residual (MBConv) blocks, all with TensorFlow "same" padding ({@link #samePadding}). NHWC; weights
 * {@code [kH, kW, in, out]}, depthwise weights {@code [kH, kW, channels, 1]}. Every convolution is followed by
 * batch norm and has no bias; parameters of a convolution named {@code p} are {@code p/W}, {@code p/gamma},
 * {@code p/beta}, {@code p/mean}, {@code p/var}.
 */
public final class MobileLayers {
    /** Upper bound of ReLU6. */
    public static final float RELU6_CAP = 6f;

    private MobileLayers() {
    }

    /**
     * TensorFlow "same" padding along one axis: {@code out = ceil(in / stride)}, {@code total = max((out - 1) *
     * stride + kernel - in, 0)}, {@code before = total / 2}, the odd pixel after (bottom or right).
     *
     * @return {before, after}
     */
    public static int[] samePadding(int in, int kernel, int stride) {
        int out = (in + stride - 1) / stride;
        int total = Math.max((out - 1) * stride + kernel - in, 0);
        return new int[]{total / 2, total - total / 2};
    }

    static int sameOutput(int in, int stride) {
        return (in + stride - 1) / stride;
    }

    /**
     * Convolution {@code kernel x kernel} with {@code stride}, batch norm, ReLU6 when {@code relu6}, and global
     * average pooling when {@code pool} (the backbone's top: its output is then the pooled feature vector).
     */
    public record ConvBn(String name, int kernel, int filters, int stride, boolean relu6, boolean pool)
            implements Layer {
        @Override
        public Shape outputShape(Shape in, int numClasses) {
            return pool ? Shape.flat(filters)
                    : new Shape(sameOutput(in.height(), stride), sameOutput(in.width(), stride), filters);
        }

        @Override
        public List<ParamSpec> params(Shape in, int numClasses) {
            return convParams(name, kernel, in.channels(), filters);
        }

        @Override
        public SDVariable apply(GraphBuilder g, SDVariable x, Shape in, int numClasses) {
            SDVariable y = g.sd().cnn().conv2d(x, g.param(name + "/W"), convConfig(kernel, stride));
            y = g.batchNorm(name, y);
            if (relu6) {
                y = g.sd().nn().relu6(y, 0);
            }
            return pool ? y.mean(1, 2) : y;
        }
    }

    /**
     * An inverted residual block: 1x1 expansion to {@code expandRatio} times the input channels with batch norm and
     * ReLU6 (absent when the ratio is 1), a depthwise {@code kernel x kernel} convolution with {@code stride},
     * batch norm and ReLU6, a linear 1x1 projection to {@code filters} with batch norm, and the input added back
     * when the stride is 1 and the channel count is kept. No squeeze-excitation (the "Lite" variant).
     */
    public record MBConv(String name, int kernel, int stride, int expandRatio, int filters) implements Layer {
        public int hidden(int inChannels) {
            return inChannels * expandRatio;
        }

        public boolean expands() {
            return expandRatio != 1;
        }

        public boolean residual(Shape in) {
            return stride == 1 && in.channels() == filters;
        }

        @Override
        public Shape outputShape(Shape in, int numClasses) {
            return new Shape(sameOutput(in.height(), stride), sameOutput(in.width(), stride), filters);
        }

        @Override
        public List<ParamSpec> params(Shape in, int numClasses) {
            int hidden = hidden(in.channels());
            List<ParamSpec> p = new ArrayList<>();
            if (expands()) {
                p.addAll(convParams(name + "/expand", 1, in.channels(), hidden));
            }
            p.add(new ParamSpec(name + "/depthwise/W", new long[]{kernel, kernel, hidden, 1},
                    ParamSpec.Init.HE_UNIFORM, (long) kernel * kernel, (long) kernel * kernel));
            p.addAll(Layers.batchNormParams(name + "/depthwise", hidden));
            p.addAll(convParams(name + "/project", 1, hidden, filters));
            return p;
        }

        @Override
        public SDVariable apply(GraphBuilder g, SDVariable x, Shape in, int numClasses) {
            SDVariable y = x;
            if (expands()) {
                y = g.sd().cnn().conv2d(y, g.param(name + "/expand/W"), convConfig(1, 1));
                y = g.sd().nn().relu6(g.batchNorm(name + "/expand", y), 0);
            }
            y = g.sd().cnn().depthWiseConv2d(y, g.param(name + "/depthwise/W"), convConfig(kernel, stride));
            y = g.sd().nn().relu6(g.batchNorm(name + "/depthwise", y), 0);
            y = g.sd().cnn().conv2d(y, g.param(name + "/project/W"), convConfig(1, 1));
            y = g.batchNorm(name + "/project", y);
            return residual(in) ? y.add(x) : y;
        }
    }

    private static List<ParamSpec> convParams(String prefix, int kernel, int in, int out) {
        List<ParamSpec> p = new ArrayList<>();
        p.add(new ParamSpec(prefix + "/W", new long[]{kernel, kernel, in, out}, ParamSpec.Init.HE_UNIFORM,
                (long) kernel * kernel * in, (long) kernel * kernel * out));
        p.addAll(Layers.batchNormParams(prefix, out));
        return p;
    }

    /** libnd4j's "same" mode pads as TensorFlow does (extra row and column at the bottom and right). */
    private static Conv2DConfig convConfig(int kernel, int stride) {
        return Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).paddingMode(PaddingMode.SAME)
                .dataFormat("NHWC").weightsFormat(WeightsFormat.YXIO).build();
    }
}
