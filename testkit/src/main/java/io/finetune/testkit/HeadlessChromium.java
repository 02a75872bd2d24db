package io.finetune.testkit;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The Debian Chromium and its driver, headless, for browser tests of the gateway's page (needs Selenium on the test
 * classpath). Screenshots go under {@code gateway/target/screenshots/}, as test artifacts.
 */
public final class HeadlessChromium {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Why a browser test is skipped when Chromium is missing. */
    public static final String MISSING = "headless Chromium is not installed: apt-get install -y chromium "
            + "chromium-driver (./finetune setup does it)";

    private HeadlessChromium() {
    }

    public static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /** A fresh browser with its own profile under {@code scratch}; quit it when done. */
    public static WebDriver start(Path scratch, int width, int height) {
        try {
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            Path profile = Files.createTempDirectory(Files.createDirectories(scratch), "profile");
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
            return new ChromeDriver(service, options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a browser profile under " + scratch, e);
        }
    }

    /** The folder screenshots are saved in: {@code gateway/target/screenshots/}. */
    public static Path screenshots() {
        try {
            return Files.createDirectories(RepositoryLayout.root().resolve("gateway/target/screenshots"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves what the browser shows as {@code screenshots()/name}. */
    public static Path screenshot(WebDriver driver, String name) {
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path target = screenshots().resolve(name);
        try {
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the screenshot " + target, e);
        }
        return target;
    }
}
