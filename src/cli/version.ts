import { packageVersion } from '../package-root.js';

/** The package version, read once from our package.json (found above dist/bundle, dist/cli or src/cli). */
export const VERSION: string = packageVersion();
