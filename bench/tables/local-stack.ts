import { log, tableMain } from '../harness/table-main.js';

/* Table 5, local stack: placeholder until the local stack exposes a programmatic start. */
tableMain('local-stack', async () => {
  log('local stack: not measured (local stack not available)');
  return { measured: false, reason: 'local stack not available' };
});
