/**
 * Where the samples' side effects go (alerts, approval requests, escalations, compensations): a stand-in for
 * e-mail, SMS or a ticketing system. Activities append here; `npm start` prints it and tests read it.
 */
export interface OutboxMessage {
  kind: string;
  message: string;
}

export const outbox: OutboxMessage[] = [];

/** Called for every message (npm start prints them as they happen). */
let listener: ((m: OutboxMessage) => void) | undefined;

export function onOutboxMessage(fn: ((m: OutboxMessage) => void) | undefined): void {
  listener = fn;
}

export function send(kind: string, message: string): void {
  const m = { kind, message };
  outbox.push(m);
  listener?.(m);
}
