import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { LedgerFormatError } from '../domain/ledger';
import { fileBytes, type ByteSource, type Unsealing } from '../security/sealed-file';

/** How an input file was encoded; ERP exports come as UTF-8 (with or without BOM) or CP949. */
export type SourceEncoding = 'utf-8' | 'utf-8-bom' | 'cp949';

export interface DecodedFile {
  encoding: SourceEncoding;
  /** The file's text without BOM, as string chunks. */
  stream: Readable;
}

type Codec = 'utf-8' | 'cp949';

/**
 * Both decoders substitute U+FFFD for a bad sequence, so the first U+FFFD marks the first invalid
 * byte; C0 controls other than \t \n \r (and DEL) only occur in binary data.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern looks for
const BAD_CHAR = /[\uFFFD\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;

/** Where the first undecodable byte sits. */
class BadSequence extends Error {
  constructor(
    readonly offset: number,
    readonly line: number,
  ) {
    super(`invalid byte sequence at byte offset ${offset} (line ${line})`);
  }
}

interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

function chunkDecoder(codec: Codec): ChunkDecoder {
  if (codec === 'utf-8') {
    // ignoreBOM keeps the BOM in the text so that byte offsets stay exact; callers strip it.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    return { write: (chunk) => decoder.decode(chunk, { stream: true }), end: () => decoder.decode() };
  }
  const decoder = iconv.getDecoder('cp949');
  return { write: (chunk) => decoder.write(chunk), end: () => decoder.end() ?? '' };
}

/** Source bytes of correctly decoded text: it round-trips, and CP949 is one byte for ASCII, two otherwise. */
function sourceBytes(text: string, codec: Codec): number {
  if (codec === 'utf-8') return Buffer.byteLength(text, 'utf8');
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) bytes++;
  return bytes;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Decodes a file chunk by chunk (BOM included), throwing BadSequence at the first invalid byte. */
async function* decodeChunks(bytes: ByteSource, codec: Codec): AsyncGenerator<string> {
  const decoder = chunkDecoder(codec);
  let offset = 0;
  let line = 1;
  const check = (text: string): string => {
    const bad = BAD_CHAR.exec(text);
    if (bad) {
      const before = text.slice(0, bad.index);
      throw new BadSequence(offset + sourceBytes(before, codec), line + countNewlines(before));
    }
    offset += sourceBytes(text, codec);
    line += countNewlines(text);
    return text;
  };
  for await (const chunk of bytes()) {
    const text = decoder.write(chunk);
    if (text) yield check(text);
  }
  const tail = decoder.end();
  if (tail) yield check(tail);
}

/** Reads the whole file once; reports the first invalid byte, or whether the text starts with a BOM. */
async function scan(bytes: ByteSource, codec: Codec): Promise<BadSequence | { bom: boolean }> {
  let bom: boolean | undefined;
  try {
    for await (const text of decodeChunks(bytes, codec)) bom ??= text.startsWith('\uFEFF');
  } catch (err) {
    if (err instanceof BadSequence) return err;
    throw err;
  }
  return { bom: bom ?? false };
}

/**
 * Decides the encoding by reading the file as UTF-8 and, failing that, as CP949; a file valid in
 * neither is rejected rather than decoded into mojibake.
 */
export async function detectEncoding(path: string): Promise<SourceEncoding> {
  return detect(path, await fileBytes(path));
}

async function detect(path: string, bytes: ByteSource): Promise<SourceEncoding> {
  const utf8 = await scan(bytes, 'utf-8');
  if (!(utf8 instanceof BadSequence)) return utf8.bom ? 'utf-8-bom' : 'utf-8';
  const cp949 = await scan(bytes, 'cp949');
  if (!(cp949 instanceof BadSequence)) return 'cp949';
  // The encoding that reads further is the one the file was written in (a CP949 export breaks where CP949
  // stops, not at its first Hangul byte, where UTF-8 stops): its stop is the line to fix.
  const further = cp949.offset > utf8.offset ? cp949 : utf8;
  throw new LedgerFormatError(
    path,
    further.line,
    undefined,
    `not valid UTF-8 (first invalid byte at offset ${utf8.offset}, line ${utf8.line}) ` +
      `nor CP949 (first invalid byte at offset ${cp949.offset}, line ${cp949.line})`,
  );
}

async function* decodedText(path: string, bytes: ByteSource, encoding: SourceEncoding): AsyncGenerator<string> {
  let first = true;
  try {
    for await (const text of decodeChunks(bytes, encoding === 'cp949' ? 'cp949' : 'utf-8')) {
      yield first && encoding === 'utf-8-bom' ? text.slice(1) : text;
      first = false;
    }
  } catch (err) {
    // Only possible if the file changed since detection; still never hand out bad text.
    if (err instanceof BadSequence) throw new LedgerFormatError(path, err.line, undefined, err.message);
    throw err;
  }
}

/**
 * Detects the encoding in a first pass, then streams the decoded text in a second one, so a large
 * plaintext file is never held in memory as a whole (a sealed one is, see sealed-file.ts). Without
 * `unsealing.keys` a sealed file fails with DecryptionError.
 */
export async function openDecodedStream(path: string, unsealing?: Unsealing): Promise<DecodedFile> {
  return decodeBytes(path, await fileBytes(path, unsealing));
}

/** The same two passes over bytes already read (bufferBytes): a staged ledger is read once (ledger-loading.ts). */
export async function decodeBytes(path: string, bytes: ByteSource): Promise<DecodedFile> {
  const encoding = await detect(path, bytes);
  return { encoding, stream: Readable.from(decodedText(path, bytes, encoding)) };
}

/** The whole decoded text, for small files such as company.json. */
export async function readDecodedText(path: string): Promise<string> {
  const { stream } = await openDecodedStream(path);
  let text = '';
  for await (const chunk of stream) text += chunk as string;
  return text;
}
