// Issue 24: the environment is read in the config modules only, and every variable the code names is declared in a
// registry (so docs/configuration.md lists it). Test files keep reading their own switches.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REGISTRIES } from '../../../scripts/config-docs.ts';
import { knownNames } from '../../../src/config/registry.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Where the process's environment may be read under src/: the config modules. */
const CONFIG_MODULE = [
  /^src\/config\//,
  /^src\/[a-z-]+\/config\.ts$/,
  // the cache library's documented entry point: cacheOptionsFromEnv(env = process.env) (docs/cache.md)
  /^src\/cache\/options\.ts$/,
];

/** `file:line` of every read of process.env in `text` (comments included: a doc naming it is worth a look too). */
function processEnvReads(file: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, i) => (/\bprocess\.env\b/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

/** Names the code reads from an environment object: env.NAME, env?.NAME, env['NAME'], setting('NAME'). */
function namedVariables(text: string): string[] {
  const names = [
    ...text.matchAll(/\b[eE]nv\??\.([A-Z][A-Z0-9_]+)\b/g),
    ...text.matchAll(/\b[eE]nv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g),
    ...text.matchAll(/\b(?:setting|provisionSetting)\(['"]([A-Z][A-Z0-9_]+)['"]/g),
  ];
  return names.map((m) => m[1] as string);
}

const srcFiles = tsFiles(join(ROOT, 'src')).map((path) => relative(ROOT, path));

describe('environment reads', () => {
  it('the check finds a read (control) and scans the config modules too', () => {
    expect(processEnvReads('x.ts', 'const a = 1;\nconst port = process.env.PORT;')).toEqual([
      'x.ts:2: const port = process.env.PORT;',
    ]);
    const inConfig = srcFiles.filter((f) => CONFIG_MODULE.some((re) => re.test(f)));
    expect(inConfig).toContain('src/service/config.ts');
    expect(inConfig.flatMap((f) => processEnvReads(f, readFileSync(join(ROOT, f), 'utf8'))).length).toBeGreaterThan(3);
  });

  it('src/ reads process.env only in its config modules', () => {
    const outside = srcFiles
      .filter((f) => !CONFIG_MODULE.some((re) => re.test(f)))
      .flatMap((f) => processEnvReads(f, readFileSync(join(ROOT, f), 'utf8')));
    expect(outside, "move the read into the program's config module (docs/contributing.md)").toEqual([]);
  });

  it('every variable named in src/, acceptance/ and provisioning/ is declared in a registry', () => {
    expect(namedVariables("env.PORT; env?.HOST; env['X_Y']; setting('ACCEPTANCE_SCOPE')")).toEqual([
      'PORT',
      'HOST',
      'X_Y',
      'ACCEPTANCE_SCOPE',
    ]);
    const declared = new Set(REGISTRIES.flatMap((r) => [...knownNames(r)]));
    const files = ['src', 'acceptance', 'provisioning'].flatMap((d) => tsFiles(join(ROOT, d)));
    const undeclared = new Set<string>();
    for (const file of files) {
      for (const name of namedVariables(readFileSync(file, 'utf8'))) {
        if (!declared.has(name)) undeclared.add(`${relative(ROOT, file)}: ${name}`);
      }
    }
    expect([...undeclared], "declare it in its program's registry, then npm run docs:config").toEqual([]);
  });
});
