// Preloaded into a process the benchmark measures (node --import): writes the process's peak
// resident set size (kilobytes) and the CPU time it used (user + system, microseconds) as JSON
// to the file named by BENCH_PEAK_RSS_FILE when it exits. Nothing else: the process measured is
// the one a user runs.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PEAK_RSS_FILE;
if (file)
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: usage.maxRSS, cpuMicros: usage.userCPUTime + usage.systemCPUTime }));
  });
