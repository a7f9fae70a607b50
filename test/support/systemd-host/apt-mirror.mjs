// The Debian mirror this machine's own apt uses: `url` prints its http URL (…/debian), `host` its host name.
// The test host's apt may reach that host and nothing else (the proxy is restricted to it).
import { readdirSync, readFileSync } from 'node:fs';

function sources() {
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d')) files.push(`/etc/apt/sources.list.d/${f}`);
  } catch {}
  const uris = [];
  for (const file of files) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^\s*(?:deb\s+(?:\[[^\]]*\]\s+)?|URIs:\s*)(http:\/\/\S+)/gm)) uris.push(m[1]);
  }
  return uris;
}

const debian = sources().find((u) => /\/debian\/?$/.test(u)) ?? 'http://deb.debian.org/debian';
const url = debian.replace(/\/$/, '');
process.stdout.write(`${process.argv[2] === 'host' ? new URL(url).hostname : url}\n`);
