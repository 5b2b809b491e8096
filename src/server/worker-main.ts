/**
 * Entry point of a cluster worker process (forked by the primary with node:cluster).
 */
import { runClusterWorker } from './cluster-worker.js';

await runClusterWorker();
