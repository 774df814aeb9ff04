import { InvalidArgumentError } from '@downhill/backend';

/**
 * Refuses option keys a function does not know (a misspelt option is an error, not a default).
 *
 * @internal
 */
export function checkOptions(options: object, known: readonly string[], where: string): void {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(`${where}: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new InvalidArgumentError(`${where}: unknown option '${key}'; known options: ${known.join(', ')}`);
  }
}
