package io.finetune.dataset;

/**
 * AUTO keeps the splits the source gives (split folders or a labels.csv split column) and draws the others by
 * ratio; GIVEN requires given splits; RATIOS ignores them and draws every split by ratio.
 */
public enum SplitMode {
    AUTO, GIVEN, RATIOS
}
