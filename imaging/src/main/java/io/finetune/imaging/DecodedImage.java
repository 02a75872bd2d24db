package io.finetune.imaging;

import java.awt.image.BufferedImage;

/** An image as decoded: 8-bit RGB ({@code TYPE_INT_RGB}), upright (EXIF orientation applied). */
public record DecodedImage(BufferedImage rgb, ImageFormat format) {
    public int width() {
        return rgb.getWidth();
    }

    public int height() {
        return rgb.getHeight();
    }
}
