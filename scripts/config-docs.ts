/**
 * `npm run docs:config`: writes every program's variable table into docs/configuration.md from its registry (the
 * page's text around the tables is kept). test/unit/config/docs.test.ts fails when the page differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptanceRegistry } from '../acceptance/config.ts';
import { provisionRegistry } from '../provisioning/lib/command/variables.ts';
import { renderTables } from '../src/config/docs.ts';
import type { Registry } from '../src/config/registry.ts';
import { testSwitchRegistry } from '../src/config/test-switches.ts';
import { gateRegistry } from '../src/gate/config.ts';
import { invalidatorRegistry } from '../src/invalidator/config.ts';
import { loadRegistry } from '../src/load/config.ts';
import { redisRegistry } from '../src/redis/config.ts';
import { serviceRegistry } from '../src/service/config.ts';
import { stackRegistry } from '../src/stack/config.ts';

/** Every registry, in the page's order. */
export const REGISTRIES: readonly Registry[] = [
  serviceRegistry,
  redisRegistry,
  invalidatorRegistry,
  stackRegistry,
  gateRegistry,
  acceptanceRegistry,
  loadRegistry,
  provisionRegistry,
  testSwitchRegistry,
];

export const CONFIG_PAGE = join(dirname(fileURLToPath(import.meta.url)), '../docs/configuration.md');

/** The page as the registries say it should be. */
export function renderedConfigPage(page = readFileSync(CONFIG_PAGE, 'utf8')): string {
  return renderTables(page, REGISTRIES);
}

const HELP = `usage: npm run docs:config

Rewrites the variable tables of docs/configuration.md from the programs' registries (the text around them is kept).
Run it after adding or changing a variable; test/unit/config/docs.test.ts fails until you do.`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    process.exit(0);
  }
  const page = readFileSync(CONFIG_PAGE, 'utf8');
  const next = renderedConfigPage(page);
  writeFileSync(CONFIG_PAGE, next);
  console.log(next === page ? 'docs/configuration.md: up to date' : 'docs/configuration.md: tables rewritten');
}
