/** A library event `{ type, ...fields }` as a stage progress event `{ event: type, ...fields }`. */
export function withKind({ type, ...fields }: { type: string }): Record<string, unknown> {
  return { event: type, ...fields };
}
