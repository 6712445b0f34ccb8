// Links, e-mail addresses and phone numbers in an answer: the report sends its reader to the firm, never to where a
// hostile memo or account name would (a refund page, a "담당자" number). None of them is in the data the model is
// given, so any is refused, obfuscated ones (example[.]com, refund(at)mail) and full-width ones included.

const CONTACTS: readonly RegExp[] = [
  /\b(?:https?|hxxps?|ftp):\/\/\S+|\bwww\.\S+/gi,
  /\b[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)*\.(?:com|net|org|kr|co|io|me|ly|gl|xyz|info|biz|app|dev|site|link|top|shop|click|online|to|cc)\b(?:\/\S*)?/gi,
  /\S+\.(?:한국|닷컴|닷넷)|\S*(?:\[\.\]|\(\.\)|\[dot\]|\(dot\))\S*/gi,
  /[\w.%+-]+\s*(?:@|\[at\]|\(at\)|골뱅이)\s*[\w-]+(?:\.[\w-]+)+/gi,
  // 010-1234-5678, 02) 123-4567, +82 10 1234 5678, 01012345678, 1588-1234.
  /(?<!\d)(?:\+?82[-.\s]?)?0\d{1,2}[-.)\s]\s?\d{3,4}[-.\s]\d{4}(?!\d)|(?<!\d)01[016789]\d{7,8}(?!\d)|(?<![\d-])1[5-9]\d{2}-\d{4}(?!\d)/g,
];

/** Each link, address or number once: a part another match holds (an address's domain) is not listed again. */
export function findContacts(text: string): string[] {
  const plain = text.normalize('NFKC');
  const found = new Set(CONTACTS.flatMap((pattern) => [...plain.matchAll(pattern)].map((m) => m[0])));
  return [...found].filter((contact) => ![...found].some((other) => other !== contact && other.includes(contact)));
}
