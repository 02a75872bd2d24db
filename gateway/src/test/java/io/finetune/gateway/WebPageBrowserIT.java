package io.finetune.gateway;

import io.finetune.contracts.ContractCodec;
import io.finetune.contracts.JobKind;
import io.finetune.contracts.Topics;
import io.finetune.contracts.TrainingEventType;
import io.finetune.testkit.FreePorts;
import io.finetune.testkit.HeadlessChromium;
import io.finetune.testkit.Infra;
import io.finetune.testkit.InfraExtension;
import io.finetune.testkit.RepositoryLayout;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page in a real headless Chromium: upload a photo, see the top predictions and the model version; see the
 * training curves of a FINETUNE and a SCRATCH job. Screenshots go to gateway/target/screenshots/.
 */
@ExtendWith(InfraExtension.class)
class WebPageBrowserIT {
    @Test
    void uploadAPhotoSeePredictionsAndTrainingCurves(Infra infra) throws Exception {
        io.finetune.testkit.RequiredInputs.require(HeadlessChromium.available(), HeadlessChromium.MISSING);
        Path photo = RepositoryLayout.scratch("gateway-browser").resolve("rose.png");
        Files.createDirectories(photo.getParent());
        Files.write(photo, GatewayApiIT.png(new Color(200, 30, 60)));
        String suffix = Long.toString(System.nanoTime());
        publishCurves(infra, "ft-" + suffix, JobKind.FINETUNE, new double[]{0.55, 0.71, 0.80, 0.84});
        publishCurves(infra, "scratch-" + suffix, JobKind.SCRATCH, new double[]{0.22, 0.35, 0.41, 0.47});

        try (StandInBackends backends = new StandInBackends();
             EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, properties(infra, backends))) {
            WebDriver driver = HeadlessChromium.start(RepositoryLayout.scratch("gateway-browser"), 1200, 900);
            try {
                WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
                driver.get("http://127.0.0.1:" + server.getPort() + "/");
                wait.until(d -> d.findElements(By.cssSelector("#model-select option")).size() == 2);
                // predictions need a key (anonymous ones are off by default), typed in as a user would
                driver.findElement(By.id("api-key")).sendKeys(GatewayApiIT.KEY);
                driver.findElement(By.id("file-input")).sendKeys(photo.toAbsolutePath().toString());
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("prediction")));
                List<WebElement> rows = driver.findElements(By.cssSelector("#prediction-list li"));
                assertEquals(3, rows.size(), "the stand-in model has three classes");
                assertEquals("rose", rows.get(0).findElement(By.className("label")).getText());
                assertTrue(rows.get(0).findElement(By.className("prob")).getText().endsWith("%"));
                assertTrue(driver.findElement(By.id("prediction-model")).getText().contains("version 3"),
                        driver.findElement(By.id("prediction-model")).getText());
                HeadlessChromium.screenshot(driver, "predict.png");

                driver.findElement(By.id("tab-jobs")).click();
                wait.until(d -> d.findElements(By.cssSelector("#chart polyline[data-job='ft-" + suffix + "']"))
                        .size() == 1
                        && d.findElements(By.cssSelector("#chart polyline[data-job='scratch-" + suffix + "']"))
                        .size() == 1);
                String table = driver.findElement(By.id("jobs-table")).getText();
                assertTrue(table.contains("ft-" + suffix) && table.contains("RUNNING"), table);
                HeadlessChromium.screenshot(driver, "jobs.png");
            } finally {
                driver.quit();
            }
        }
    }

    private static void publishCurves(Infra infra, String jobId, JobKind kind, double[] accuracies)
            throws Exception {
        TopicsAccess.send(infra.kafkaBootstrap(), Topics.TRAINING_EVENTS, jobId, ContractCodec.encode(
                TrainingFixtures.event(jobId, TrainingEventType.STARTED, kind, 0, 0)));
        for (int i = 0; i < accuracies.length; i++) {
            TopicsAccess.send(infra.kafkaBootstrap(), Topics.TRAINING_EVENTS, jobId, ContractCodec.encode(
                    TrainingFixtures.event(jobId, TrainingEventType.EPOCH_COMPLETED, kind, i + 1, accuracies[i])));
        }
    }

    private static Map<String, Object> properties(Infra infra, StandInBackends backends) {
        Map<String, Object> p = new HashMap<>(infra.serviceProperties());
        p.put("micronaut.server.port", FreePorts.next());
        p.put("endpoints.all.port", FreePorts.next());
        p.put("finetune.gateway.api-keys", List.of(GatewayApiIT.KEY));
        p.put("micronaut.http.services.inference.url", backends.inferenceUrl());
        p.put("micronaut.http.services.dataset.url", backends.datasetUrl());
        return p;
    }
}
