package io.finetune.service;

import io.micronaut.context.annotation.Factory;
import io.minio.MinioClient;
import jakarta.inject.Singleton;

@Factory
class MinioClientFactory {
    @Singleton
    MinioClient minioClient(StorageConfiguration storage) {
        return MinioClient.builder().endpoint(storage.endpoint())
                .credentials(storage.accessKey(), storage.secretKey()).build();
    }
}
