/** The package version, answered by /version and GET /v2 (the server runs from dist/server or its bundle). */
export { packageVersion } from '../package-root.js';
