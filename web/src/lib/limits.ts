// The longest text the API takes in each field (events/vocabulary.py and the API's models; a
// test holds these to the OpenAPI document). Input is never cut to fit: a field past its limit
// says so, with both numbers, and its form will not send it.

export const LIMITS = {
  title: 200,
  description: 20_000,
  comment: 10_000,
  label: 50,
  labels: 20,
  search: 200,
  projectName: 100,
  projectDescription: 2_000,
  displayName: 100,
  webhookUrl: 2_048,
  webhookDescription: 200,
  calendarFeedName: 100,
  tokenName: 100,
} as const;

/** Characters as the server counts them (code points: an emoji is one, not two). */
export function characters(text: string): number {
  return Array.from(text).length;
}

/**
 * "Title is 512 characters; the limit is 200." when `text` is longer than `limit`; otherwise
 * undefined. `name` starts the sentence.
 */
export function overLimit(name: string, text: string, limit: number): string | undefined {
  const length = characters(text);
  if (length <= limit) return undefined;
  return `${name} is ${length.toLocaleString("en")} characters; the limit is ${limit.toLocaleString("en")}.`;
}
