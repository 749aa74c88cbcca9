/** The namespace of S3's response documents. */
export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' };

/** Text made safe for an XML element or attribute (a carriage return kept as one, which parsers would fold). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r\n\t]/g, (c) => ESCAPES[c]);
}

/**
 * A tiny XML writer: elements opened, filled and closed in order, the
 * document kept as a list of pieces joined once. Every text and attribute
 * value is escaped; names are the caller's constants.
 */
export class XmlWriter {
  readonly #parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  readonly #open: string[] = [];

  /** Opens an element; `xmlns` for the document's root. */
  open(name: string, attributes: Readonly<Record<string, string>> = {}): this {
    const attrs = Object.entries(attributes)
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    this.#parts.push(`<${name}${attrs}>`);
    this.#open.push(name);
    return this;
  }

  close(): this {
    const name = this.#open.pop();
    if (name === undefined) throw new Error('no element is open');
    this.#parts.push(`</${name}>`);
    return this;
  }

  /** An element holding text (a number or boolean written as S3 does: `12`, `true`). */
  leaf(name: string, value: string | number | boolean): this {
    this.#parts.push(`<${name}>${escapeXml(String(value))}</${name}>`);
    return this;
  }

  /** An element only when the value is given. */
  optional(name: string, value: string | number | boolean | undefined | null): this {
    return value === undefined || value === null ? this : this.leaf(name, value);
  }

  /** Text inside the open element. */
  text(value: string): this {
    this.#parts.push(escapeXml(value));
    return this;
  }

  /** An element with nothing in it: `<Name/>`. */
  empty(name: string): this {
    this.#parts.push(`<${name}/>`);
    return this;
  }

  toString(): string {
    if (this.#open.length > 0) throw new Error(`unclosed ${this.#open.join(' > ')}`);
    return this.#parts.join('');
  }
}
