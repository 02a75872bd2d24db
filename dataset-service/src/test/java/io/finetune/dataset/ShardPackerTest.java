package io.finetune.dataset;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardPackerTest {
    private static byte[] image(int length, int seed) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) seed);
        return b;
    }

    private static byte[] read(Map<String, byte[]> shards, ShardPacker.Slice s) {
        return Arrays.copyOfRange(shards.get(s.shard()), (int) s.offset(), (int) (s.offset() + s.length()));
    }

    /** Adds every image, collects sealed and flushed shards by key. */
    private static Map<String, byte[]> pack(ShardPacker packer, List<byte[]> images, List<ShardPacker.Slice> slices) {
        Map<String, byte[]> shards = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            ShardPacker.Added added = packer.add("sha-" + i, images.get(i));
            slices.add(added.slice());
            if (added.sealed() != null) {
                shards.put(added.sealed().key(), added.sealed().bytes());
            }
        }
        packer.flush().forEach(s -> shards.put(s.key(), s.bytes()));
        return shards;
    }

    @Test
    void everyImageReadsBackFromItsSliceAndShardsStayWithinTheTarget() {
        ShardPacker packer = new ShardPacker(i -> "shards/" + i, 100);
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            images.add(image(10 + i % 7 * 5, i));
        }
        List<ShardPacker.Slice> slices = new ArrayList<>();
        Map<String, byte[]> shards = pack(packer, images, slices);
        for (int i = 0; i < images.size(); i++) {
            assertArrayEquals(images.get(i), read(shards, slices.get(i)), "image " + i);
        }
        shards.values().forEach(s -> assertTrue(s.length <= 100, "shard of " + s.length + " bytes"));
        assertEquals(images.stream().mapToInt(b -> b.length).sum(),
                shards.values().stream().mapToInt(b -> b.length).sum(), "no byte stored twice or lost");
        assertTrue(shards.size() >= 5, "several shards: " + shards.keySet());
    }

    @Test
    void anImageLargerThanTheTargetGetsAShardOfItsOwn() {
        ShardPacker packer = new ShardPacker(i -> "shards/" + i, 100);
        List<ShardPacker.Slice> slices = new ArrayList<>();
        Map<String, byte[]> shards = pack(packer, List.of(image(30, 1), image(250, 2), image(30, 3)), slices);
        assertEquals(3, shards.size());
        assertEquals(0, slices.get(1).offset());
        assertEquals(250, shards.get(slices.get(1).shard()).length);
    }

    @Test
    void theSameContentIsPackedOnceAndSharesItsSlice() {
        ShardPacker packer = new ShardPacker(i -> "shards/" + i, 1000);
        ShardPacker.Slice first = packer.add("same", image(40, 1)).slice();
        ShardPacker.Added again = packer.add("same", image(40, 1));
        assertSame(first, again.slice());
        assertNull(again.sealed());
        assertEquals(40, packer.flush().get(0).bytes().length);
    }

    @Test
    void flushSealsTheLastPartialShardAndNothingWhenEmpty() {
        ShardPacker packer = new ShardPacker(i -> "shards/" + i, 1000);
        assertEquals(List.of(), packer.flush());
        packer.add("a", image(10, 1));
        List<ShardPacker.Sealed> last = packer.flush();
        assertEquals(1, last.size());
        assertEquals("shards/0", last.get(0).key());
        assertEquals(List.of(), packer.flush());
        assertEquals("shards/1", packer.nextKey(), "later keys never reuse a sealed shard's key");
    }

    @Test
    void repackKeepsOnlyTheKeptSlicesAndSaysWhereTheyMoved() {
        ShardPacker packer = new ShardPacker(i -> "shards/" + i, 1000);
        ShardPacker.Slice a = packer.add("a", image(10, 1)).slice();
        ShardPacker.Slice dropped = packer.add("b", image(20, 2)).slice();
        ShardPacker.Slice c = packer.add("c", image(30, 3)).slice();
        byte[] shard = packer.flush().get(0).bytes();
        assertEquals(20, dropped.length());

        ShardPacker.Repacked r = ShardPacker.repack("shards/0", shard, List.of(c, a, a), "shards/9");
        assertEquals("shards/9", r.shard().key());
        assertEquals(40, r.shard().bytes().length, "the dropped image's bytes are gone");
        Map<String, byte[]> shards = Map.of("shards/9", r.shard().bytes());
        assertArrayEquals(image(10, 1), read(shards, r.moved().get(a)));
        assertArrayEquals(image(30, 3), read(shards, r.moved().get(c)));
    }

    @Test
    void repackRefusesASliceOutsideTheShard() {
        var e = assertThrows(IllegalArgumentException.class, () -> ShardPacker.repack("shards/0", new byte[10],
                List.of(new ShardPacker.Slice("shards/0", 5, 10)), "shards/1"));
        assertTrue(e.getMessage().startsWith("expected a slice of shards/0 within its 10 bytes"), e.getMessage());
    }
}
