/**
 * The test-runner API the conformance suites are given: `describe`, `it` and `expect`, typed by the parts they
 * use. The types are written here, not imported from a test runner, so `@taskhub/core/testing` typechecks and
 * loads without one installed; vitest's `{ describe, it, expect }` fits them.
 */

/** The matchers the suites use. */
export interface Matchers<R> {
  toBe(expected: unknown): R;
  toEqual(expected: unknown): R;
  toMatchObject(expected: object): R;
  toContain(item: unknown): R;
  toHaveLength(length: number): R;
  toMatch(expected: string | RegExp): R;
  toBeUndefined(): R;
  toBeGreaterThan(n: number | bigint): R;
  toBeGreaterThanOrEqual(n: number | bigint): R;
  toBeLessThan(n: number | bigint): R;
  toBeLessThanOrEqual(n: number | bigint): R;
  toBeInstanceOf(type: abstract new (...args: any[]) => unknown): R;
  toThrow(expected?: string | RegExp | Error | (abstract new (...args: any[]) => unknown)): R;
}

export interface Assertion extends Matchers<void> {
  readonly not: Matchers<void>;
  /** The matchers applied to a promise's rejection reason. */
  readonly rejects: Matchers<Promise<void>>;
}

export interface TestApi {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeoutMs?: number): void;
  /** `message` names the check in a failure. */
  expect(actual: unknown, message?: string): Assertion;
}
