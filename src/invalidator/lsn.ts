/** PostgreSQL WAL positions ("16/B374D848") as numbers, and as fixed-width hex that sorts like the number. */
export function parseLsn(lsn: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!match) throw new Error(`not a WAL position: ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** 16 hex digits: string order = WAL order (how the consistency marker stores it, compared inside Lua). */
export function sortableLsn(value: bigint): string {
  return value.toString(16).toUpperCase().padStart(16, '0');
}

export function fromSortable(text: string): bigint {
  return BigInt(`0x${text}`);
}
