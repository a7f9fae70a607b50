import { ROWS, rowIdOfFile } from '../../acceptance/rows.ts';
import { gateEnv } from './config.ts';

/** One progress line while the gate works: rewritten in place on a terminal, one line per step otherwise. */
export class Progress {
  private readonly tty: boolean;
  private readonly started = Date.now();
  private last = '';
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** Applied to every line before it is written (masks secrets). */
    private readonly clean: (text: string) => string = (text) => text,
  ) {
    this.tty = Boolean(stream.isTTY) && gateEnv().CI === undefined;
  }

  update(text: string): void {
    const line = this.clean(
      `[gate ${Math.round((Date.now() - this.started) / 1000)
        .toString()
        .padStart(3)} s] ${text}`,
    );
    if (this.tty) {
      const width = (this.stream.columns ?? 120) - 1;
      this.stream.write(`\r\x1b[K${line.slice(0, width)}`);
    } else if (text !== this.last) {
      this.stream.write(`${line}\n`);
    }
    this.last = text;
  }

  /** A line that stays (the expected duration, the closing comparison): never overwritten by the progress line. */
  note(text: string): void {
    const line = this.clean(text);
    this.stream.write(this.tty ? `\r\x1b[K${line}\n` : `${line}\n`);
    if (this.tty && this.last) this.update(this.last);
  }

  /**
   * The progress line while one suite runs: the row's id and title from the registry (`row 03 (3/19): User-settings
   * cache: second read < 5 ms — 2 passed, 0 failed`), the file where a suite is not a row.
   */
  row(index: number, total: number, file: string, counts: string): void {
    const id = rowIdOfFile(file);
    const title = id ? ROWS.find((r) => r.id === id)?.title : undefined;
    this.update(
      id && title ? `row ${id} (${index}/${total}): ${title} — ${counts}` : `${file} (${index}/${total}) — ${counts}`,
    );
  }

  /** Ends the in-place line so the next output starts on a fresh one. */
  done(text?: string): void {
    if (text) this.update(text);
    if (this.tty) this.stream.write('\n');
  }
}
