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
    this.tty = Boolean(stream.isTTY) && process.env.CI === undefined;
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

  /** The progress line while one row's suite runs: its id and title, and how far the run is. */
  row(index: number, total: number, id: string, title: string, counts: string): void {
    this.update(`row ${id} (${index}/${total}): ${title} — ${counts}`);
  }

  /** Ends the in-place line so the next output starts on a fresh one. */
  done(text?: string): void {
    if (text) this.update(text);
    if (this.tty) this.stream.write('\n');
  }
}
