/** The items of a comma-separated list, each trimmed, blanks dropped: `" a, b,,c "` -> a, b, c. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
