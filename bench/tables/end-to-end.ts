import { selectedVariants, timeVariants } from '../harness/timing-table.js';
import { tableMain } from '../harness/table-main.js';
import { ALL_VARIANTS } from '../harness/variants.js';

/*
 * Table 1, end to end per batch: JSON.parse of the event text plus the handler. With no variant list,
 * every variant runs side by side in this one process; bench/run.ts also runs each alone (see README).
 */
tableMain('end-to-end', () => timeVariants('end-to-end', selectedVariants(ALL_VARIANTS)));
