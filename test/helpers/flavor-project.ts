// Flavor source files written into temp projects, in every module form a user may pick: ESM
// (.mjs, or .js under "type": "module"), CommonJS (.cjs, or .js without it) and TypeScript
// (whose output is CommonJS without "type": "module"). Each is a complete record flavor: its
// "servers" are JSON files in the deployer's state dir.

/** How a flavor file is written. */
export type FlavorStyle = 'esm' | 'cjs' | 'ts';

const BODY = `
  static FLAVOR = '__FLAVOR__';
  static DESCRIPTION = '__FLAVOR__ flavor (__STYLE__)';
  static configSchema = z.object({ baseUrl: z.string().default('http://127.0.0.1:9997') });

  dir() {
    return path.join(this.context.stateDir, 'records');
  }
  async save(service) {
    await mkdir(this.dir(), { recursive: true });
    await writeFile(path.join(this.dir(), service.uuid + '.json'), JSON.stringify(service.toJSON()));
    return service;
  }
  async performDeployModel(uuid, config) {
    const service = new BaseService({ uuid, config, flavor: '__FLAVOR__' });
    service.endpoint = { predictionUrl: this.settings.baseUrl + '/invocations', healthCheckUrl: this.settings.baseUrl + '/ping' };
    service.setState(ServiceState.ACTIVE);
    return this.save(service);
  }
  async performStopModel(service) {
    service.setState(ServiceState.INACTIVE);
    return this.save(service);
  }
  async performStartModel(service) {
    service.setState(ServiceState.ACTIVE);
    return this.save(service);
  }
  async performDeleteModel(service) {
    await rm(path.join(this.dir(), service.uuid + '.json'), { force: true });
  }
  async listModelServers() {
    const files = await readdir(this.dir()).catch(() => []);
    return Promise.all(files.map(async (f) => serviceFromJSON(JSON.parse(await readFile(path.join(this.dir(), f), 'utf8')))));
  }
  getModelServerInfo(service) {
    return { PREDICTION_URL: service.endpoint?.predictionUrl ?? '', HEALTH_CHECK_URL: service.endpoint?.healthCheckUrl ?? '' };
  }
  async *getModelServerLogs(uuid) {
    yield 'log of ' + uuid;
  }
`;

/**
 * The source of a flavor called `flavor` whose class `className` is the file's only export, a
 * named one (no default export): the form "the only deployer class exported" must accept.
 */
export function flavorSource(style: FlavorStyle, flavor: string, className: string): string {
  const body = BODY.replaceAll('__FLAVOR__', flavor).replaceAll('__STYLE__', style);
  if (style === 'cjs') {
    return [
      "const { mkdir, readdir, readFile, rm, writeFile } = require('node:fs/promises');",
      "const path = require('node:path');",
      "const { BaseModelDeployer, BaseService, ServiceState, serviceFromJSON, z } = require('zenml-model-deployer');",
      `class ${className} extends BaseModelDeployer {${body}}`,
      `module.exports = { ${className} };`,
      '',
    ].join('\n');
  }
  const imports = [
    "import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';",
    "import path from 'node:path';",
    "import { BaseModelDeployer, BaseService, ServiceState, serviceFromJSON, z } from 'zenml-model-deployer';",
  ];
  if (style === 'esm') return [...imports, `export class ${className} extends BaseModelDeployer {${body}}`, ''].join('\n');
  // TypeScript: typed members, so the file really needs compiling.
  const typed = body
    .replace('dir() {', 'dir(): string {')
    .replace('async save(service) {', 'async save(service: BaseService): Promise<BaseService> {')
    .replace('async performDeployModel(uuid, config) {', 'async performDeployModel(uuid: string, config: ServiceConfig) {')
    .replace('async performStopModel(service) {', 'async performStopModel(service: BaseService) {')
    .replace('async performStartModel(service) {', 'async performStartModel(service: BaseService) {')
    .replace('async performDeleteModel(service) {', 'async performDeleteModel(service: BaseService) {')
    .replace('.catch(() => [])', '.catch(() => [] as string[])')
    .replace('getModelServerInfo(service) {', 'getModelServerInfo(service: BaseService) {')
    .replace('async *getModelServerLogs(uuid) {', 'async *getModelServerLogs(uuid: string) {')
    .replace("static configSchema = z.object({ baseUrl: z.string().default('http://127.0.0.1:9997') });", "static configSchema = Settings;")
    .replace(/static (FLAVOR|DESCRIPTION|configSchema)/g, 'static override $1');
  return [
    ...imports.slice(0, 2),
    "import { BaseModelDeployer, BaseService, ServiceState, serviceFromJSON, z, type ServiceConfig } from 'zenml-model-deployer';",
    "const Settings = z.object({ baseUrl: z.string().default('http://127.0.0.1:9997') });",
    `export class ${className} extends BaseModelDeployer<z.infer<typeof Settings>> {${typed}}`,
    '',
  ].join('\n');
}
