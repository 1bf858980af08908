/**
 * Placeholders for the attribute names and values of one DynamoDB request's expressions, so no
 * expression has to care which names are reserved words (status, key, result, ...).
 */
export class ExpressionAttributes {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};

  /** `#placeholder` of attribute `attribute`. */
  name(attribute: string): string {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  /** `:placeholder` of a new value. */
  value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** `SET #a = :v, ...` of `fields`, followed by `REMOVE ...` of `removed`. */
  update(fields: Record<string, unknown>, removed: readonly string[] = []): string {
    const set = Object.entries(fields).map(([attribute, value]) => `${this.name(attribute)} = ${this.value(value)}`);
    return [
      `SET ${set.join(', ')}`,
      ...(removed.length ? [`REMOVE ${removed.map((attribute) => this.name(attribute)).join(', ')}`] : []),
    ].join(' ');
  }

  /** The request fields holding the placeholders used so far. */
  get attributes(): {
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
