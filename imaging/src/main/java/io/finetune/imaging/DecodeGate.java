package io.finetune.imaging;

/**
 * Bounds how many images a process decodes at the same time: {@link ImageDecoder} holds a pass while it reads the
 * pixels of an image (after its header said how large it is). A gate that cannot admit a decode throws an unchecked
 * exception of the caller's choosing (a service answers 503 with it); {@link #OPEN} admits every decode.
 */
@FunctionalInterface
public interface DecodeGate {
    DecodeGate OPEN = pixels -> () -> { };

    /** A pass for decoding an image of {@code pixels} (width x height as stored), held until closed; throws when none
     * can be had. */
    Pass enter(long pixels);

    /** One decode's admission. */
    interface Pass extends AutoCloseable {
        @Override
        void close();
    }
}
