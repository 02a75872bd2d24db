package io.finetune.trainer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a run of queued jobs looked like from outside: when each job was submitted, when it ran (one interval per
 * trainer that ran it) and when it ended, and how many trainers were alive. Gives the makespan and the longest time a
 * job waited while a live trainer was idle, the two numbers the work queue is judged by.
 */
record QueueSchedule(Map<String, Job> jobs, List<Instant> trainerDeaths, int trainers) {

    record Job(Instant submitted, List<Run> runs, Instant ended) {
        Duration work() {
            return runs.stream().map(r -> Duration.between(r.from(), r.to())).reduce(Duration.ZERO, Duration::plus);
        }
    }

    record Run(Instant from, Instant to) {
        boolean covers(Instant t) {
            return !t.isBefore(from) && t.isBefore(to);
        }
    }

    Duration makespan() {
        Instant first = jobs.values().stream().map(Job::submitted).min(Instant::compareTo).orElseThrow();
        Instant last = jobs.values().stream().map(Job::ended).max(Instant::compareTo).orElseThrow();
        return Duration.between(first, last);
    }

    Duration totalWork() {
        return jobs.values().stream().map(Job::work).reduce(Duration.ZERO, Duration::plus);
    }

    /** Total work spread evenly over the trainers: no schedule can end sooner. */
    Duration ideal() {
        return totalWork().dividedBy(trainers);
    }

    double makespanOverIdeal() {
        return makespan().toMillis() / (double) Math.max(1, ideal().toMillis());
    }

    /** The longest stretch during which some job was pending (submitted, not running, not ended) and a trainer idle. */
    Duration worstIdleWhilePending() {
        TreeSet<Instant> points = new TreeSet<>(trainerDeaths);
        for (Job j : jobs.values()) {
            points.add(j.submitted());
            points.add(j.ended());
            j.runs().forEach(r -> {
                points.add(r.from());
                points.add(r.to());
            });
        }
        List<Instant> sorted = new ArrayList<>(points);
        Duration worst = Duration.ZERO;
        Duration current = Duration.ZERO;
        for (int i = 0; i + 1 < sorted.size(); i++) {
            Instant a = sorted.get(i);
            Instant b = sorted.get(i + 1);
            Instant mid = a.plus(Duration.between(a, b).dividedBy(2));
            if (idleWhilePending(mid)) {
                current = current.plus(Duration.between(a, b));
                worst = current.compareTo(worst) > 0 ? current : worst;
            } else {
                current = Duration.ZERO;
            }
        }
        return worst;
    }

    private boolean idleWhilePending(Instant t) {
        long alive = trainers - trainerDeaths.stream().filter(d -> !d.isAfter(t)).count();
        long busy = 0;
        boolean pending = false;
        for (Job j : jobs.values()) {
            boolean running = j.runs().stream().anyMatch(r -> r.covers(t));
            busy += running ? 1 : 0;
            pending |= !running && !j.submitted().isAfter(t) && j.ended().isAfter(t);
        }
        return pending && busy < alive;
    }
}
