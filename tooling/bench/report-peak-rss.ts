// Preloaded into a process the benchmark measures (node --import): writes the process's peak
// resident set size, in kilobytes, to the file named by BENCH_PEAK_RSS_FILE when it exits.
// Nothing else: the process measured is the one a user runs.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PEAK_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
