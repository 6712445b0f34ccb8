// The parts of an .xlsx (a zip of XML files) read in any order: the zip's directory gives random access, so the
// shared strings and styles are read before a sheet however the writer ordered the archive, and a sheet streams
// from the archive in memory without being unpacked to disk. saxes parses the XML; it expands no DTD or external
// entity, so a hostile part cannot reach files or blow up through entities.
import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { INPUT_LIMITS, mib } from './input-limits';

/** A zip that does not open, or a part that is not well-formed XML: the message says which and why. */
export class CorruptPart extends Error {}

export interface XmlHandler {
  /** Element names come without their namespace prefix (`x:row` is `row`). */
  open?(name: string, attributes: Record<string, string>): void;
  text?(text: string): void;
  close?(name: string): void;
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

export class ZipParts {
  private constructor(
    private readonly zip: ZipFile,
    /** By lower-cased name: part names are case-insensitive. */
    private readonly entries: ReadonlyMap<string, Entry>,
  ) {}

  static async open(bytes: Buffer): Promise<ZipParts> {
    const unreadable = (err: Error) => new CorruptPart(`not a readable zip archive (${err.message})`);
    return new Promise((resolve, reject) => {
      yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
        if (err) return reject(unreadable(err));
        const entries = new Map<string, Entry>();
        zip.on('entry', (entry: Entry) => {
          entries.set(entry.fileName.toLowerCase(), entry);
          zip.readEntry();
        });
        zip.on('end', () => resolve(new ZipParts(zip, entries)));
        zip.on('error', (error: Error) => reject(unreadable(error)));
        zip.readEntry();
      });
    });
  }

  has(part: string): boolean {
    return this.entries.has(part.toLowerCase());
  }

  /** The part's text, decoded as UTF-8 chunk by chunk; past the byte limit it is refused before it is unpacked. */
  async *text(part: string): AsyncGenerator<string> {
    const entry = this.entries.get(part.toLowerCase());
    if (!entry) throw new CorruptPart(`part ${part} is missing`);
    if (entry.uncompressedSize > INPUT_LIMITS.bytes) {
      throw new CorruptPart(`part ${part} unpacks to ${mib(entry.uncompressedSize)} MiB, past the limit of ${mib(INPUT_LIMITS.bytes)} MiB`);
    }
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const stream = await new Promise<Readable>((resolve, reject) => {
      this.zip.openReadStream(entry, (err, readable) =>
        err ? reject(new CorruptPart(`part ${part} does not unpack (${err.message})`)) : resolve(readable),
      );
    });
    try {
      for await (const chunk of stream) yield decoder.decode(chunk as Buffer, { stream: true });
      yield decoder.decode();
    } catch (err) {
      throw new CorruptPart(`part ${part} does not unpack (${(err as Error).message})`);
    } finally {
      stream.destroy();
    }
  }

  /**
   * Parses the part, calling `handler` as elements open and close; yields after each chunk, so that a caller can
   * hand on what the chunk completed. Errors thrown by the handler pass through as they are.
   */
  async *parse(part: string, handler: XmlHandler): AsyncGenerator<void> {
    const parser = new SaxesParser();
    let broken: Error | undefined;
    parser.on('error', (err) => {
      broken ??= new CorruptPart(`part ${part} is not well-formed XML (${err.message})`);
    });
    if (handler.open) parser.on('opentag', (tag) => handler.open!(localName(tag.name), tag.attributes as Record<string, string>));
    if (handler.close) parser.on('closetag', (tag) => handler.close!(localName(tag.name)));
    if (handler.text) {
      parser.on('text', handler.text);
      parser.on('cdata', handler.text);
    }
    for await (const text of this.text(part)) {
      parser.write(text);
      if (broken) throw broken;
      yield;
    }
    parser.close();
    if (broken) throw broken;
  }

  /** Parses a part whole. */
  async read(part: string, handler: XmlHandler): Promise<void> {
    for await (const _ of this.parse(part, handler));
  }
}
