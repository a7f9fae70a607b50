// npm run bench:value-format — what a cold cache hit costs to turn into the structured route's body: v1 (parse the
// entry, stringify the part) vs v2 (read the header, slice the part). In-process, no Redis: each read gets a fresh
// string as a socket read does, so no memo helps either side (docs/benchmarks.md, issue 20 item 1).

import { loadavg } from 'node:os';
import { type CachedEntry, decodeEntry, encode } from '../src/cache/codec.ts';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`npm run bench:value-format [-- --help]

µs per cold hit of a 2.6 KB profile entry turned into the structured route's body, v1 vs v2 (3 rounds of 20 000).`);
  process.exit(0);
}

const structured: Record<string, Record<string, string>> = {};
for (const section of [
  '基础身份信息',
  '个性与行为设定',
  '背景故事',
  '知识与能力',
  '对话与交互规范',
  '任务与目标',
  '世界观',
]) {
  const fields: Record<string, string> = {};
  for (let i = 0; i < 6; i++) fields[`字段${i}`] = '李白，字太白，号青莲居士，唐代浪漫主义诗人。'.repeat(2);
  structured[section] = fields;
}
const profile = {
  characterId: 3,
  name: '李白',
  source: 'baike',
  updatedAt: 1,
  structured,
  shortTerm: Array.from({ length: 10 }, () => '记忆内容'.repeat(5)),
  longTerm: [],
};
const v1 = JSON.stringify(profile);
const v2 = encode(profile) as string;
const N = 20_000;
let sink = 0;

/** A fresh copy of `text` (a new flat string, as a reply from Redis is). */
const fresh = (text: string, i: number): string => (i % 2 === 0 ? `${text} ` : ` ${text}`).trim();

function run(label: string, body: (i: number) => string): void {
  for (let i = 0; i < 2_000; i++) sink += body(i).length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += body(i).length;
  console.log(`| ${label} | ${(Number(process.hrtime.bigint() - start) / N / 1000).toFixed(2)} |`);
}

console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')}; entry ${v1.length} characters, v2 header ${v2.length - v1.length}`,
);
console.log('| read | µs per cold hit |\n|---|---:|');
for (let round = 0; round < 3; round++) {
  run('v1: JSON.parse + JSON.stringify(structured)', (i) => JSON.stringify(JSON.parse(fresh(v1, i)).structured));
  run(
    "v2: decodeEntry + part('structured')",
    (i) => (decodeEntry(fresh(v2, i)) as CachedEntry).part('structured') ?? '',
  );
  run('fresh string only (the baseline)', (i) => fresh(v2, i));
}
if (sink === 0) console.log('');
