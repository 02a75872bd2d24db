package io.finetune.dataset;

import io.finetune.contracts.DatasetSummary;
import io.finetune.contracts.ObjectLayout;
import io.finetune.service.ObjectStore;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** Read side: datasets, their versions and each version's state, from object storage and the running ingests. */
@Singleton
public class DatasetCatalog {
    private final ObjectStore store;
    private final VersionReservations reservations;
    private final DatasetIngester ingester;

    public DatasetCatalog(ObjectStore store, VersionReservations reservations, DatasetIngester ingester) {
        this.store = store;
        this.reservations = reservations;
        this.ingester = ingester;
    }

    public List<DatasetView> list() {
        TreeSet<String> names = new TreeSet<>(ingester.jobNames());
        store.children(ObjectLayout.DATASETS).stream().filter(n -> ObjectLayout.NAME.matcher(n).matches())
                .forEach(names::add);
        List<DatasetView> views = new ArrayList<>();
        for (String name : names) {
            dataset(name).ifPresent(views::add);
        }
        return views;
    }

    public Optional<DatasetView> dataset(String name) {
        ObjectLayout.requireName("dataset name", name);
        TreeSet<String> versions = new TreeSet<>(Comparator.comparingInt(Integer::parseInt));
        versions.addAll(reservations.versions(name));
        ingester.jobs(name).forEach(j -> versions.add(j.version()));
        List<DatasetView.VersionEntry> entries = new ArrayList<>();
        String latest = null;
        for (String v : versions) {
            Optional<DatasetVersionView> view = version(name, v);
            if (view.isPresent()) {
                DatasetVersionView d = view.get();
                entries.add(new DatasetView.VersionEntry(v, d.state(), d.images(), d.fingerprint(), d.createdAt()));
                if (d.state() == IngestState.READY && d.identicalTo() == null) {
                    latest = v;
                }
            }
        }
        return entries.isEmpty() ? Optional.empty() : Optional.of(new DatasetView(name, latest, entries));
    }

    /** A version's state; {@code latest} names the highest visible version. */
    public Optional<DatasetVersionView> version(String name, String version) {
        ObjectLayout.requireName("dataset name", name);
        if (version.equals(ObjectLayout.LATEST)) {
            List<String> all = reservations.versions(name);
            for (int i = all.size() - 1; i >= 0; i--) {
                if (reservations.visible(name, all.get(i))) {
                    return version(name, all.get(i));
                }
            }
            return Optional.empty();
        }
        if (!version.matches("[1-9][0-9]{0,8}")) {
            throw new IllegalArgumentException("expected a version number or 'latest', found '" + version + "'");
        }
        Optional<IngestJob> job = ingester.job(name, version);
        if (job.isPresent() && job.get().state() != IngestState.READY) {
            return Optional.of(running(job.get()));
        }
        if (job.isPresent() && job.get().identicalTo() != null) {
            return Optional.of(ready(job.get().summary(), version, job.get().identicalTo()));
        }
        Optional<DatasetSummary> summary = reservations.visible(name, version)
                ? store.getJson(ObjectLayout.datasetSummary(name, version), DatasetSummary.class) : Optional.empty();
        if (summary.isPresent()) {
            return Optional.of(ready(summary.get(), version, null));
        }
        Optional<IngestMarker> marker = reservations.marker(name, version);
        if (marker.isPresent()) {
            IngestMarker m = marker.get();
            IngestState state = reservations.interrupted(name, version, marker) ? IngestState.INTERRUPTED
                    : IngestState.INGESTING;
            return Optional.of(new DatasetVersionView(name, version, state, IngestProgress.of("in progress",
                    m.processed(), m.total()), null, null, null, null, null, null, m.source(), m.startedAt(), null,
                    null, null));
        }
        return Optional.empty();
    }

    private static DatasetVersionView running(IngestJob j) {
        return new DatasetVersionView(j.name(), j.version(), j.state(), IngestProgress.of(j.phase(), j.processed(),
                j.total()), null, null, null, null, null, null, j.source(), j.startedAt(), j.options().seed(), null,
                j.error());
    }

    private static DatasetVersionView ready(DatasetSummary s, String version, String identicalTo) {
        return new DatasetVersionView(s.name(), identicalTo == null ? version : s.version(), IngestState.READY,
                IngestProgress.of("done", s.images(), s.images()), s.fingerprint(), s.classes(), s.counts(),
                s.images(), s.duplicates(), s.rejected(), s.source(), s.createdAt(), s.seed(), identicalTo, null);
    }
}
