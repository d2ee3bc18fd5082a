// What every TypeScript scenario shares: where the server is, the example
// files, assertions and step logging. No generated code here: each scenario
// uses only its own client.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const baseUrl: string = required("RAPPORT_URL");
const examples: string = required("RAPPORT_EXAMPLES");

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export function example(name: string): string {
  return readFileSync(join(examples, name), "utf8");
}

export class ScenarioError extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ScenarioError(message);
}

export function equal<T>(actual: T, expected: T, what: string): void {
  check(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** A unique address per run, so a scenario can register on any server. */
export function email(client: string): string {
  return `${client}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

export const password = "tangerine hedgehog orbit 42";

/** A problem+json body: the typed fields, as every error carries them. */
export interface ProblemLike {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}

export function problem(response: Response, body: ProblemLike | undefined, status: number, code: string): void {
  equal(response.status, status, "status");
  check(
    (response.headers.get("content-type") ?? "").startsWith("application/problem+json"),
    `a ${status} in application/problem+json, got ${response.headers.get("content-type")}`,
  );
  check(body !== undefined, `a ${status} with a body`);
  equal(body.status, status, "problem.status");
  equal(body.code, code, "problem.code");
  check(body.type.length > 0 && body.title.length > 0 && body.detail.length > 0, "problem type, title and detail");
}

let steps = 0;

export async function step(name: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    console.error(`  FAILED ${name}: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  steps += 1;
  console.log(`  ok ${name}`);
}

export function main(client: string, scenario: () => Promise<void>): void {
  scenario().then(
    () => console.log(`${client}: ${steps} steps passed`),
    () => {
      console.error(`${client}: failed after ${steps} steps`);
      process.exitCode = 1;
    },
  );
}
