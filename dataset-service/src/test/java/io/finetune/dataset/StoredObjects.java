package io.finetune.dataset;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.DatasetImage;
import io.finetune.contracts.ObjectLayout;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** What MinIO really holds, read with the MinIO client, not through the service. */
final class StoredObjects {
    private final MinioClient minio;

    StoredObjects(MinioClient minio) {
        this.minio = minio;
    }

    List<String> keys(String prefix) {
        try {
            List<String> keys = new ArrayList<>();
            for (Result<Item> r : minio.listObjects(ListObjectsArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                    .prefix(prefix).recursive(true).build())) {
                keys.add(r.get().objectName());
            }
            return keys;
        } catch (Exception e) {
            throw new IllegalStateException("listing " + prefix + " failed: " + e, e);
        }
    }

    byte[] bytes(String key) {
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(key)
                .build())) {
            return in.readAllBytes();
        } catch (Exception e) {
            throw new IllegalStateException("reading " + key + " failed: " + e, e);
        }
    }

    /** The stored bytes of one manifest line: its slice of a shard (a ranged GET), or its own object. */
    byte[] image(DatasetImage image) {
        if (image.shard() == null) {
            return bytes(image.key());
        }
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .object(image.shard()).offset(image.offset()).length(image.length()).build())) {
            return in.readAllBytes();
        } catch (Exception e) {
            throw new IllegalStateException("reading " + image.key() + " from " + image.shard() + " failed: " + e, e);
        }
    }

    List<DatasetImage> manifest(String name, String version) {
        String text = new String(bytes(ObjectLayout.datasetManifest(name, version)), StandardCharsets.UTF_8);
        return text.lines().filter(l -> !l.isBlank())
                .map(l -> ContractCodec.read(l.getBytes(StandardCharsets.UTF_8), DatasetImage.class)).toList();
    }
}
