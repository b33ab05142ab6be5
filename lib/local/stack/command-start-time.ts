import { readFileSync } from 'node:fs';

// Linux reports process start times in clock ticks since boot; USER_HZ is 100 on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** Start of a process as epoch ms, from /proc; undefined where there is no /proc or no such process. */
export function processStartTime(pid: number, now = Date.now()): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, may hold spaces); starttime is field 22 of the whole line.
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(uptimeSeconds)) return undefined;
    return Math.round(now - (uptimeSeconds - startTicks / TICKS_PER_SECOND) * 1000);
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function runsNpm(pid: number): boolean {
  try {
    // npm sets its process title ("npm start --port 8001"), which overwrites its argv with one spaced string.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split(/[\0 ]/)
      .some((arg) => /(^|\/)npm(-cli\.js)?$/.test(arg));
  } catch {
    return false;
  }
}

/**
 * When the command the user typed began, as epoch ms: the `npm` process above us when we run as an npm
 * script (npm itself takes a while to start), else this process. What "ready in" is measured from.
 */
export function commandStartTime(env: NodeJS.ProcessEnv = process.env): number {
  const own = Date.now() - Math.round(process.uptime() * 1000);
  if (!env.npm_lifecycle_event) return own;
  // npm runs the script through a shell unless the script execs: look a few generations up.
  let pid: number | undefined = process.ppid;
  for (let depth = 0; pid && pid > 1 && depth < 4; depth += 1) {
    if (runsNpm(pid)) return Math.min(own, processStartTime(pid) ?? own);
    pid = parentOf(pid);
  }
  return own;
}
