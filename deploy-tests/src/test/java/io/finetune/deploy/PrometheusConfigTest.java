package io.finetune.deploy;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prometheus configuration and alert rules: promtool accepts them, and the scrape targets are the services. */
class PrometheusConfigTest {
    static final Path DIR = Yamls.repo("deploy/observability/prometheus");
    private static final String PROMTOOL_HINT = "install Debian's 'prometheus' package (./finetune setup does)";

    @Test
    void promtoolAcceptsBothConfigurationsAndTheRules() {
        Path promtool = Tools.require("promtool", PROMTOOL_HINT);
        String rules = Tools.run(DIR, promtool.toString(), "check", "rules", "alerts.yml");
        assertTrue(rules.contains("SUCCESS: 12 rules found"), "expected 12 rules, promtool said:\n" + rules);
        for (String config : List.of("prometheus.yml", "prometheus-compose.yml")) {
            String out = Tools.run(DIR, promtool.toString(), "check", "config", config);
            assertTrue(out.contains("SUCCESS: 1 rule files found"), config + ": expected the rules file, found:\n" + out);
        }
    }

    @Test
    void everyAlertFiresOnItsUnitTestSeries() {
        Path promtool = Tools.require("promtool", PROMTOOL_HINT);
        String out = Tools.run(DIR, promtool.toString(), "test", "rules", "alerts-test.yml");
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void theAlertsTheIssueAsksForExist() {
        Set<String> names = new TreeSet<>();
        for (Object g : Yamls.list(Yamls.snake(DIR.resolve("alerts.yml")).get("groups"), "groups")) {
            for (Object r : Yamls.list(Yamls.map(g, "group").get("rules"), "rules")) {
                names.add((String) Yamls.map(r, "rule").get("alert"));
            }
        }
        assertEquals(Set.of("FinetuneTrainerJobFailed", "FinetuneInferenceErrorRate", "FinetuneInferenceLatencyP99High",
                "FinetuneKafkaConsumerLag", "FinetuneNoActiveModel", "FinetuneServingDiverged", "FinetuneServiceDown",
                "FinetuneServiceAbsent", "FinetuneJobsWaiting"), names);
    }

    /** up == 0 needs a scrape target; a service whose target is gone entirely is caught by absent() alone. */
    @Test
    void everyServiceHasAnAbsentAlertOnItsScrapeJob() {
        Set<String> absent = new TreeSet<>();
        for (Object g : Yamls.list(Yamls.snake(DIR.resolve("alerts.yml")).get("groups"), "groups")) {
            for (Object r : Yamls.list(Yamls.map(g, "group").get("rules"), "rules")) {
                Map<String, Object> rule = Yamls.map(r, "rule");
                if ("FinetuneServiceAbsent".equals(rule.get("alert"))) {
                    absent.add(String.valueOf(rule.get("expr")).strip());
                }
            }
        }
        Set<String> expected = new TreeSet<>();
        for (FinetuneService s : FinetuneService.values()) {
            expected.add("absent(up{job=\"" + s.module + "\"})");
        }
        assertEquals(expected, absent, "one absent() rule per service job of prometheus.yml");
    }

    @Test
    void localConfigurationScrapesEveryServiceOnItsConfiguredPort() {
        Map<String, String> expected = new LinkedHashMap<>();
        for (FinetuneService s : FinetuneService.values()) {
            ServiceConfig config = ServiceConfig.of(s);
            assertTrue(config.prometheusEndpointEnabled(), s.module + ": expected endpoints.prometheus enabled and "
                    + "not sensitive in application.yml");
            expected.put(s.module, "127.0.0.1:" + config.managementPort());
        }
        assertScrapes(DIR.resolve("prometheus.yml"), expected);
    }

    @Test
    void composeConfigurationScrapesEveryServiceByItsComposeHostName() {
        Map<String, String> expected = new LinkedHashMap<>();
        for (FinetuneService s : FinetuneService.values()) {
            ComposeFileTest.service(s.module);
            expected.put(s.module, s.module + ":" + ServiceConfig.of(s).managementPort());
        }
        assertScrapes(DIR.resolve("prometheus-compose.yml"), expected);
    }

    /** job name -> "host:port", each at metrics_path /prometheus. */
    static Map<String, String> scrapeTargets(Path config) {
        Map<String, String> jobs = new LinkedHashMap<>();
        for (Object o : Yamls.list(Yamls.snake(config).get("scrape_configs"), "scrape_configs")) {
            Map<String, Object> job = Yamls.map(o, "scrape_config");
            String name = (String) job.get("job_name");
            if (name.equals("prometheus")) {
                continue;
            }
            assertEquals("/prometheus", job.get("metrics_path"), config + " job " + name + ": metrics_path");
            if (job.containsKey("dns_sd_configs")) {
                // a scaled service: every address its name resolves to, on one port
                List<Object> dns = Yamls.list(job.get("dns_sd_configs"), name + ".dns_sd_configs");
                Map<String, Object> sd = Yamls.map(dns.get(0), "dns_sd_config");
                List<Object> names = Yamls.list(sd.get("names"), "names");
                assertEquals(1, names.size(), config + " job " + name + ": expected one DNS name");
                assertEquals("A", sd.get("type"), config + " job " + name + ": expected A records");
                jobs.put(name, names.get(0) + ":" + sd.get("port"));
                continue;
            }
            List<Object> statics = Yamls.list(job.get("static_configs"), name + ".static_configs");
            List<Object> targets = Yamls.list(Yamls.map(statics.get(0), "static_config").get("targets"), "targets");
            assertEquals(1, targets.size(), config + " job " + name + ": expected one target");
            jobs.put(name, (String) targets.get(0));
        }
        return jobs;
    }

    private static void assertScrapes(Path config, Map<String, String> expected) {
        assertEquals(expected, scrapeTargets(config), config + ": expected one job per service named after it");
    }
}
