package io.finetune.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.ModelManifest;
import io.finetune.contracts.ModelPointer;
import io.finetune.contracts.ObjectLayout;
import io.finetune.contracts.WeightsSource;
import io.finetune.system.LocalSystem.Service;
import io.finetune.testkit.HeadlessChromium;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.ElementNotInteractableException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole workflow in the real page, in headless Chromium, against the four services as processes on the real Kafka
 * and MinIO: upload a generated dataset archive (upload and ingest progress), read its version (counts per split and
 * class, rejected files with reasons), start a BASE job (a field error first), watch its curve and phase, fine-tune
 * from it with an unfreeze phase (an image size that does not fit the base is refused beside its field), cancel a
 * fine-tune from a pretrained entry, see the models with their lineage and provenance, and predict with a version
 * that is not the latest. Screenshots of every step go to gateway/target/screenshots/workflow-*.png.
 */
@ExtendWith(InfraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebWorkflowBrowserIT {
    private static final String API_KEY = "web-workflow-key-" + UUID.randomUUID();
    /** Fresh names per run: servers may be reused across runs (FINETUNE_KAFKA_BOOTSTRAP, FINETUNE_MINIO_ENDPOINT). */
    private static final String RUN = Long.toString(System.currentTimeMillis(), 36);
    private static final String DATASET = "web-colours-" + RUN;
    private static final String BASE = "web-base-" + RUN;
    private static final String FINETUNED = "web-ft-" + RUN;
    private static final String PRETRAINED = "web-pretrained-" + RUN;
    private static final String CANCELLED = "web-cancelled-" + RUN;
    private static final int IMAGE_SIZE = 32;
    private static final WeightsSource WEIGHTS = new WeightsSource("tiny-colours.safetensors",
            "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b", "CC-BY-4.0",
            "WebWorkflowBrowserIT: a copy of " + BASE + " v1 standing in for an imported backbone");
    private static final Duration STEP = Duration.ofSeconds(60);
    private static final Duration TRAINING = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private LocalSystem system;
    private WebDriver driver;
    private Path scratch;
    private boolean workflowDone;

    @BeforeAll
    void start(Infra infra) {
        io.finetune.testkit.RequiredInputs.require(HeadlessChromium.available(), HeadlessChromium.MISSING);
        scratch = RepositoryLayout.scratch("web-workflow");
        system = LocalSystem.start(infra, API_KEY, scratch.resolve("logs"));
        driver = HeadlessChromium.start(scratch, 1280, 1400);
    }

    @AfterAll
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void aUserUploadsTrainsFineTunesCancelsInspectsAndPredictsFromThePage(Infra infra) throws Exception {
        try {
            driver.get(system.url(Service.GATEWAY) + "/#datasets");
            driver.findElement(By.id("api-key")).sendKeys(API_KEY);
            uploadDatasetAndReadItsVersion();
            String baseJob = startJob("BASE", BASE, null, "4", "workflow-03-field-error-epochs.png");
            watchUntilCompleted(baseJob, "train", "workflow-04-base-training.png");
            publishPretrainedCopy(infra.minioClient());
            String fineTune = startJob("FINETUNE", FINETUNED, BASE + "@1", "3",
                    "workflow-05-field-error-image-size.png");
            watchUntilCompleted(fineTune, "unfreeze", "workflow-06-finetune-phases.png");
            watchUntilCompleted(startJob("BASE", BASE, null, "1", null), "train", null); // version 2: the latest
            cancelAFineTuneOfThePretrainedEntry();
            inspectModelsAndLineage();
            predictWithAnOlderVersion();
        } catch (AssertionError | RuntimeException e) {
            HeadlessChromium.screenshot(driver, "workflow-failure.png");
            throw e;
        }
        workflowDone = true;
    }

    /** The same registry through the gateway's API: lineage, an older version answering, 404s that name what. */
    @Test
    @Order(2)
    void registryAndVersionedPredictionsThroughTheGatewayNameWhatIsUnknown() throws Exception {
        Assumptions.assumeTrue(workflowDone, "needs the models the workflow made");
        JsonNode ft = registryModel(FINETUNED);
        assertEquals("FINETUNE", ft.at("/versions/0/kind").asText(), ft.toString());
        assertEquals(BASE, ft.at("/versions/0/parent/name").asText());
        assertEquals("1", ft.at("/versions/0/parent/version").asText());
        assertEquals(DATASET, ft.at("/versions/0/dataset/name").asText());
        assertEquals("1", ft.at("/versions/0/dataset/version").asText());
        assertEquals(WEIGHTS.sha256(), registryModel(PRETRAINED).at("/versions/0/pretrained/sha256").asText());

        byte[] photo = ColourArchive.png(0, IMAGE_SIZE, new Random(3));
        HttpResponse<String> old = predict(BASE + "?version=1", photo);
        assertEquals(200, old.statusCode(), old.body());
        assertEquals("1", JSON.readTree(old.body()).get("version").asText());
        HttpResponse<String> noVersion = predict(BASE + "?version=9", photo);
        assertEquals(404, noVersion.statusCode(), noVersion.body());
        String message = JSON.readTree(noVersion.body()).path("message").asText();
        assertTrue(message.contains("model " + BASE) && message.contains("[1, 2]") && message.contains("'9'"),
                noVersion.body());
        HttpResponse<String> noModel = predict("web-nothing-" + RUN + "?version=1", photo);
        assertEquals(404, noModel.statusCode(), noModel.body());
        assertTrue(JSON.readTree(noModel.body()).get("message").asText().contains("'web-nothing-" + RUN + "'"),
                noModel.body());
        HttpResponse<String> unknown = get("/api/v1/registry/web-nothing-" + RUN);
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertTrue(JSON.readTree(unknown.body()).get("message").asText().contains("web-nothing-" + RUN));
    }

    // ---- the steps ----

    private void uploadDatasetAndReadItsVersion() throws Exception {
        Path archive = scratch.resolve(DATASET + ".zip");
        Files.write(archive, ColourArchive.zip(20, IMAGE_SIZE, 11));
        type("upload-name", DATASET);
        type("upload-validation", "0.2");
        type("upload-test", "0.2");
        driver.findElement(By.id("upload-file")).sendKeys(archive.toAbsolutePath().toString());
        driver.findElement(By.id("upload-button")).click();
        WebElement status = driver.findElement(By.id("upload-status"));
        until(STEP, d -> status.getDomAttribute("data-state") != null || error("upload-error") != null);
        assertEquals("READY", status.getDomAttribute("data-state"), error("upload-error"));
        assertTrue(Integer.parseInt(status.getDomAttribute("data-upload-events")) >= 1, "upload progress events");
        assertTrue(text("upload-text").startsWith("100%"), text("upload-text"));
        assertTrue(text("ingest-text").startsWith("READY: " + DATASET + " version 1, 60 images, 2 rejected"),
                text("ingest-text"));

        until(STEP, d -> DATASET.equals(d.findElement(By.id("dataset-detail")).getDomAttribute("data-dataset")));
        JsonNode version = JSON.readTree(get("/api/v1/datasets/" + DATASET + "/1").body());
        for (String cls : ColourArchive.CLASSES) {
            List<String> cells = driver.findElements(By.cssSelector("#counts-table tr[data-class='" + cls + "'] td"))
                    .stream().map(WebElement::getText).toList();
            assertEquals(List.of(cls, count(version, "train", cls), count(version, "validation", cls),
                    count(version, "test", cls), "20"), cells, "counts of " + cls + " as the dataset service has them");
        }
        String rejected = text("rejected-table");
        assertTrue(rejected.contains(ColourArchive.NOT_AN_IMAGE) && rejected.contains(ColourArchive.DUPLICATE)
                && rejected.contains("DUPLICATE"), rejected);
        shot("workflow-01-upload-and-ingest.png", By.id("upload-form"));
        driver.findElement(By.cssSelector("#datasets-table button[data-dataset='" + DATASET + "'][data-version='1']"))
                .click();
        shot("workflow-02-dataset-version.png", By.id("datasets-table"));
    }

    /**
     * Fills the new-job form and submits it twice: first with one field wrong (epochs 0 for BASE, an image size that
     * does not fit the base for FINETUNE), which the gateway refuses naming the field, shown beside its input; then
     * right. Returns the job id.
     */
    private String startJob(String kind, String model, String base, String epochs, String errorShot) {
        driver.findElement(By.id("tab-train")).click();
        until(STEP, d -> !new Select(d.findElement(By.id("job-dataset"))).getOptions().isEmpty()
                && (base == null || !d.findElements(By.cssSelector("#job-base option[value='" + base + "']"))
                .isEmpty()));
        new Select(driver.findElement(By.id("job-kind"))).selectByValue(kind);
        type("job-model", model);
        new Select(driver.findElement(By.id("job-dataset"))).selectByValue(DATASET);
        new Select(driver.findElement(By.id("job-dataset-version"))).selectByValue("1");
        type("job-lr", "0.003");
        type("job-batch", "8");
        String wrongField;
        if (base == null) {
            type("job-architecture", "seed-cnn");
            type("job-image-size", Integer.toString(IMAGE_SIZE));
            type("job-epochs", "0");
            wrongField = "hyperParameters.epochs";
        } else {
            new Select(driver.findElement(By.id("job-base"))).selectByValue(base);
            assertEquals(Integer.toString(IMAGE_SIZE), driver.findElement(By.id("job-image-size"))
                    .getDomProperty("value"), "the image size is the base's");
            type("job-image-size", "64");
            type("job-epochs", epochs);
            type("job-unfreeze-layers", "2");
            type("job-unfreeze-epochs", "2");
            type("job-unfreeze-lr", "0.001");
            wrongField = "hyperParameters.imageSize";
        }
        if (errorShot != null) {
            driver.findElement(By.id("job-submit")).click();
            By fieldError = By.cssSelector(".field-error[data-error-for='" + wrongField + "']");
            until(STEP, d -> !d.findElements(fieldError).isEmpty());
            String message = driver.findElement(fieldError).getText();
            assertTrue(base == null ? message.contains("found 0") : message.startsWith("expected 32 (the input size of "
                    + "base model " + BASE + " version 1), found 64"), message);
            shot(errorShot, By.id("job-form"));
        }
        type(base == null ? "job-epochs" : "job-image-size", base == null ? epochs : Integer.toString(IMAGE_SIZE));
        return submitAndFollow();
    }

    /** Submits the form and waits for the jobs view to show the submitted job in detail; returns its id. */
    private String submitAndFollow() {
        driver.findElement(By.id("job-submit")).click();
        until(STEP, d -> text("job-submitted").startsWith("Submitted job ") || error("job-error") != null);
        assertTrue(error("job-error") == null, "the job was refused: " + error("job-error"));
        String jobId = text("job-submitted").substring("Submitted job ".length());
        until(STEP, d -> d.findElement(By.id("job-detail")).isDisplayed()
                && jobId.equals(d.findElement(By.id("job-detail")).getDomAttribute("data-job")));
        return jobId;
    }

    /** Watches the job's live curve and phase until it completes; screenshots it while the wanted phase shows. */
    private void watchUntilCompleted(String jobId, String phase, String shot) {
        until(STEP, d -> !d.findElements(By.cssSelector("#job-chart rect[data-phase='" + phase + "']")).isEmpty());
        assertTrue(text("job-phase").startsWith("phase: "), text("job-phase"));
        if (shot != null) {
            shot(shot, By.id("job-detail"));
        }
        until(TRAINING, d -> {
            String status = text("job-detail-status");
            if (status.startsWith("FAILED") || status.startsWith("CANCELLED")) {
                throw new AssertionError("job " + jobId + " ended " + status + ": " + text("job-detail-summary")
                        + system.tails());
            }
            return status.startsWith("COMPLETED");
        });
        int points = driver.findElements(By.cssSelector("#job-chart circle")).size();
        assertTrue(points >= 2, "training and validation accuracy per epoch: " + points + " points");
        for (String series : List.of("validation", "training")) {
            assertEquals(1, driver.findElements(By.cssSelector("#job-chart polyline[data-series='" + series + "']"))
                    .size(), series + " accuracy curve");
        }
    }

    private void cancelAFineTuneOfThePretrainedEntry() {
        driver.findElement(By.id("tab-models")).click();
        By fineTuneFrom = By.cssSelector("tr[data-model='" + PRETRAINED + "'][data-version='1'] button.finetune-from");
        until(STEP, d -> !d.findElements(fineTuneFrom).isEmpty());
        driver.findElement(fineTuneFrom).click();
        until(STEP, d -> (PRETRAINED + "@1").equals(new Select(d.findElement(By.id("job-base")))
                .getFirstSelectedOption().getDomAttribute("value")));
        assertTrue(text("job-base-info").contains(WEIGHTS.fileName()), text("job-base-info"));
        type("job-model", CANCELLED);
        new Select(driver.findElement(By.id("job-dataset"))).selectByValue(DATASET);
        type("job-epochs", "1000");
        type("job-unfreeze-layers", "");
        shot("workflow-07-finetune-from-pretrained.png", By.id("job-form"));
        String jobId = submitAndFollow();
        until(TRAINING, d -> text("job-detail-status").startsWith("RUNNING")
                && !d.findElements(By.cssSelector("#job-chart circle")).isEmpty());
        click(By.id("job-cancel"));
        until(TRAINING, d -> text("job-detail-status").startsWith("CANCELLED"));
        assertTrue(text("jobs-table").contains(jobId), text("jobs-table"));
        shot("workflow-08-cancelled.png", By.id("jobs-table"));
    }

    private void inspectModelsAndLineage() {
        driver.findElement(By.id("tab-models")).click();
        By ftRow = By.cssSelector("tr[data-model='" + FINETUNED + "'][data-version='1']");
        until(STEP, d -> !d.findElements(ftRow).isEmpty());
        until(STEP, d -> { // read again if the list is redrawn meanwhile
            WebElement ft = d.findElement(ftRow);
            assertEquals("from " + BASE + " v1\ndata " + DATASET + " v1", ft.findElement(By.className("lineage"))
                    .getText());
            assertTrue(ft.getText().contains("FINETUNE") && ft.findElement(By.className("test")).getText()
                    .endsWith(")"), ft.getText());
            WebElement pretrained = d.findElement(By.cssSelector("tr[data-model='" + PRETRAINED
                    + "'][data-version='1']"));
            String provenance = pretrained.findElement(By.className("provenance")).getText();
            assertTrue(provenance.contains(WEIGHTS.fileName()) && provenance.contains(WEIGHTS.sha256()
                    .substring(0, 16)) && provenance.contains(WEIGHTS.licence())
                    && provenance.contains(WEIGHTS.origin()), provenance);
            assertTrue(pretrained.getText().contains("PRETRAINED"), pretrained.getText());
            assertEquals(2, d.findElements(By.cssSelector("tr[data-model='" + BASE + "']")).size(),
                    "both versions of " + BASE);
            return true;
        });
        shot("workflow-09-models-lineage.png", By.id("models-list"));
    }

    private void predictWithAnOlderVersion() throws Exception {
        click(By.cssSelector("tr[data-model='" + BASE + "'][data-version='1'] button.predict-with"));
        until(STEP, d -> "1".equals(new Select(d.findElement(By.id("version-select"))).getFirstSelectedOption()
                .getDomAttribute("value")) && BASE.equals(new Select(d.findElement(By.id("model-select")))
                .getFirstSelectedOption().getDomAttribute("value")));
        Path photo = scratch.resolve("red.png");
        Files.write(photo, ColourArchive.png(0, IMAGE_SIZE, new Random(5)));
        driver.findElement(By.id("file-input")).sendKeys(photo.toAbsolutePath().toString());
        until(STEP, d -> "1".equals(d.findElement(By.id("prediction")).getDomAttribute("data-version"))
                || error("predict-error") != null);
        assertEquals("— " + BASE + " version 1", text("prediction-model"), error("predict-error"));
        assertEquals(ColourArchive.CLASSES.size(), driver.findElements(By.cssSelector("#prediction-list li")).size());
        shot("workflow-10-predict-older-version.png", By.id("predict-view"));

        new Select(driver.findElement(By.id("version-select"))).selectByValue("");
        driver.findElement(By.id("file-input")).sendKeys(photo.toAbsolutePath().toString());
        until(STEP, d -> "2".equals(d.findElement(By.id("prediction")).getDomAttribute("data-version")));
        assertEquals("— " + BASE + " version 2", text("prediction-model"));
    }

    /**
     * Copies {@link #BASE} version 1 in MinIO as {@link #PRETRAINED} version 1 of kind PRETRAINED, with the
     * provenance of imported weights: a pretrained registry entry as small as the test's models.
     */
    private void publishPretrainedCopy(MinioClient minio) throws Exception {
        String from = ObjectLayout.modelVersionPrefix(BASE, "1");
        for (Result<Item> r : minio.listObjects(ListObjectsArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET)
                .prefix(from).recursive(true).build())) {
            String key = r.get().objectName();
            String file = key.substring(from.length());
            if (!file.equals(ObjectLayout.MODEL_MANIFEST) && !file.equals(ObjectLayout.MODEL_VERSION_CLAIM)) {
                put(minio, ObjectLayout.modelFile(PRETRAINED, "1", file), read(minio, key));
            }
        }
        ModelManifest m = ContractCodec.decode(read(minio, ObjectLayout.modelManifest(BASE, "1")), ModelManifest.class);
        ModelManifest imported = new ModelManifest(m.schemaVersion(), PRETRAINED, "1", JobKind.PRETRAINED,
                m.architecture(), m.classes(), m.imageSize(), m.normalization(), m.modelFile(), null, List.of(), null,
                null, null, m.seed(), List.of(), null, m.provenance().withPretrained(WEIGHTS));
        put(minio, ObjectLayout.modelManifest(PRETRAINED, "1"), ContractCodec.encode(imported));
        put(minio, ObjectLayout.modelLatest(PRETRAINED), ContractCodec.encode(new ModelPointer(
                ModelPointer.SCHEMA_VERSION, PRETRAINED, "1", Instant.now())));
    }

    // ---- helpers ----

    private static byte[] read(MinioClient minio, String key) throws Exception {
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(key)
                .build())) {
            return in.readAllBytes();
        }
    }

    private static void put(MinioClient minio, String key, byte[] bytes) throws Exception {
        minio.putObject(PutObjectArgs.builder().bucket(ObjectLayout.DEFAULT_BUCKET).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
    }

    private static String count(JsonNode version, String split, String cls) {
        return Integer.toString(version.path("counts").path(split).path(cls).asInt());
    }

    /** A screenshot with {@code element} scrolled to the top of the window. */
    private void shot(String name, By element) {
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'start'})",
                driver.findElement(element));
        HeadlessChromium.screenshot(driver, name);
    }

    private void type(String id, String value) {
        WebElement input = driver.findElement(By.id(id));
        input.clear();
        if (!value.isEmpty()) {
            input.sendKeys(value);
        }
    }

    /** The text of an element, hidden or not. */
    private String text(String id) {
        return driver.findElement(By.id(id)).getDomProperty("textContent").strip();
    }

    /** The message of an error box, or null while it is hidden. */
    private String error(String id) {
        WebElement box = driver.findElement(By.id(id));
        return box.isDisplayed() ? box.getText() : null;
    }

    /** Clicks an element of a list or panel the page redraws every few seconds (found again if it was redrawn). */
    private void click(By element) {
        new WebDriverWait(driver, STEP, Duration.ofMillis(250)).ignoring(StaleElementReferenceException.class)
                .ignoring(ElementNotInteractableException.class).until(d -> {
                    d.findElement(element).click();
                    return true;
                });
    }

    private void until(Duration timeout, Function<WebDriver, Boolean> condition) {
        // the page redraws lists as it refreshes them: an element read mid-redraw is read again
        new WebDriverWait(driver, timeout, Duration.ofMillis(250)).ignoring(StaleElementReferenceException.class)
                .until(condition::apply);
    }

    private JsonNode registryModel(String name) throws Exception {
        HttpResponse<String> r = get("/api/v1/registry/" + name);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(system.url(Service.GATEWAY) + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> predict(String modelAndQuery, byte[] image) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(system.url(Service.GATEWAY) + "/api/v1/predict/"
                        + modelAndQuery)).header("Content-Type", "image/png").header("X-API-Key", API_KEY)
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
