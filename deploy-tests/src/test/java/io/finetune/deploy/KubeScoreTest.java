package io.finetune.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kube-score on every overlay: each finding is either fixed or listed, with its reason, in deploy/README.md's table of
 * the findings that stay; a listed finding that no overlay produces any more must leave the table too.
 */
class KubeScoreTest {
    static final Path README = Yamls.repo("deploy/README.md");
    private static final String TABLE_HEADER = "| kube-score check | objects | why it stays |";
    /** "[CRITICAL] gateway/finetune apps/v1/Deployment: (gateway) ImagePullPolicy is not set to Always". */
    private static final Pattern FINDING = Pattern.compile(
            "^\\[(CRITICAL|WARNING)] ([^/\\s]+)(?:/\\S+)? (\\S+): (?:\\([^)]*\\) )?(.+)$", Pattern.MULTILINE);
    private static final Pattern NAME = Pattern.compile("`([^`]+)`");

    record Finding(String check, String object) {
    }

    @Test
    void everyFindingOfEveryOverlayIsListedWithItsReason() throws IOException {
        Map<String, Set<String>> accepted = acceptedFindings();
        Set<String> unlisted = new TreeSet<>();
        Set<Finding> seen = new TreeSet<>((a, b) -> (a.check + a.object).compareTo(b.check + b.object));
        for (String overlay : RenderedOverlay.names()) {
            for (Finding f : findings(overlay)) {
                seen.add(f);
                if (!accepted.getOrDefault(f.check, Set.of()).contains(f.object)) {
                    unlisted.add(overlay + ": " + f.object + ": " + f.check);
                }
            }
        }
        assertTrue(unlisted.isEmpty(), "kube-score findings neither fixed nor listed in " + README + " ('"
                + TABLE_HEADER + "'):\n" + String.join("\n", unlisted));
        List<String> stale = new ArrayList<>();
        accepted.forEach((check, objects) -> objects.forEach(o -> {
            if (!seen.contains(new Finding(check, o))) {
                stale.add(o + ": " + check);
            }
        }));
        assertTrue(stale.isEmpty(), README + " lists kube-score findings that no overlay produces any more: "
                + "remove them:\n" + String.join("\n", stale));
    }

    /** The parser reads kube-score's output: an overlay produces findings, each with a check and an object. */
    @Test
    void findingsAreReadFromKubeScoresOutput() {
        List<Finding> local = findings("local");
        assertTrue(local.contains(new Finding("Deployment update strategy", "trainer-service")),
                "expected the trainer's Recreate strategy reported on the local overlay, found " + local);
    }

    static List<Finding> findings(String overlay) {
        String out = Tools.run(Yamls.repo("."), Set.of(0, 1), DeployTools.kubeScore().toString(), "score",
                "--output-format", "ci", "--kubernetes-version", "v" + DeployTools.kubernetesVersions().get(0),
                RenderedOverlay.of(overlay).file().toString());
        List<Finding> findings = new ArrayList<>();
        Matcher m = FINDING.matcher(out);
        while (m.find()) {
            findings.add(new Finding(m.group(4).strip(), m.group(2)));
        }
        long reported = out.lines().filter(l -> l.startsWith("[CRITICAL]") || l.startsWith("[WARNING]")).count();
        assertEquals(reported, findings.size(), overlay + ": every CRITICAL/WARNING line must parse:\n" + out);
        return findings;
    }

    /** check -> object names, from the README table whose header is TABLE_HEADER. */
    static Map<String, Set<String>> acceptedFindings() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int header = lines.indexOf(TABLE_HEADER);
        assertTrue(header >= 0, README + ": expected the table '" + TABLE_HEADER + "', found none");
        Map<String, Set<String>> accepted = new LinkedHashMap<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String[] cells = lines.get(i).split("\\|");
            assertTrue(cells.length >= 4 && !cells[3].isBlank(), README + " line " + (i + 1)
                    + ": expected check | objects | reason, found " + lines.get(i));
            Set<String> objects = new TreeSet<>();
            Matcher m = NAME.matcher(cells[2]);
            while (m.find()) {
                objects.add(m.group(1));
            }
            accepted.computeIfAbsent(cells[1].strip(), k -> new TreeSet<>()).addAll(objects);
        }
        return accepted;
    }
}
