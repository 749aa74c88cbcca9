/**
 * Which rows of the open folder are selected, by key (a file's key or a
 * folder's prefix), with the anchor a shift-click extends from.
 */
class Selection {
  keys = $state.raw<ReadonlySet<string>>(new Set());
  /** The row a shift-click or Shift+arrow extends from: the last one clicked or toggled alone. */
  anchor = $state<string | null>(null);

  readonly size = $derived(this.keys.size);

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** A plain click: this row alone. */
  only(key: string): void {
    this.keys = new Set([key]);
    this.anchor = key;
  }

  /** Ctrl/Cmd-click, Space, a row's checkbox: this row in or out, the others kept. */
  toggle(key: string): void {
    this.keys = this.keys.has(key) ? new Set([...this.keys].filter((k) => k !== key)) : new Set([...this.keys, key]);
    this.anchor = key;
  }

  /**
   * Shift-click: every row from the anchor to this one, in the order shown
   * (`keys` is the table's rows); `add` keeps what was selected besides (Ctrl+Shift).
   */
  range(shown: readonly string[], key: string, add = false): void {
    const from = this.anchor === null ? -1 : shown.indexOf(this.anchor);
    const to = shown.indexOf(key);
    if (to < 0) return;
    if (from < 0) {
      this.only(key);
      return;
    }
    const between = shown.slice(Math.min(from, to), Math.max(from, to) + 1);
    this.keys = new Set(add ? [...this.keys, ...between] : between);
  }

  all(shown: readonly string[]): void {
    this.keys = new Set(shown);
  }

  clear(): void {
    if (this.keys.size) this.keys = new Set();
    this.anchor = null;
  }

  /** Forgets rows no longer shown (deleted, or gone by a change elsewhere). */
  keepOnly(shown: ReadonlySet<string>): void {
    if ([...this.keys].every((key) => shown.has(key))) return;
    this.keys = new Set([...this.keys].filter((key) => shown.has(key)));
  }
}

export const selection = new Selection();
