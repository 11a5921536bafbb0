/**
 * Loaded with `node --import` into a process the bench times: at exit it writes the
 * process's peak RSS (worker threads included) to the file named by SWARMSIM_PEAK_FILE.
 * Child processes' resource usage is not visible from spawnSync, hence this hook.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.SWARMSIM_PEAK_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
