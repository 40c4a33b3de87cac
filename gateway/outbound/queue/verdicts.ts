// gateway/outbound/queue/verdicts.ts
// How one attempt of a delivery ended, as its sender judges it, before the worker turns it into an outcome.

import { OutboundRefused } from "../../platform/http/outbound-http";

export type Verdict =
	| { kind: "done" }
	| { kind: "retry"; words: string; statusCode: number | null; retryAfterMs?: number }
	| { kind: "give_up"; words: string; statusCode: number | null }
	/** Not attempted: due again at `until` (unix ms), no try spent. */
	| { kind: "deferred"; until: number };

/** Short words for a transport failure: never a header or body, which may hold a secret. */
export function transportWords(err: unknown): string {
	if (err instanceof OutboundRefused) return `refused: ${err.message}`;
	const cause = (err as { cause?: { code?: string } }).cause;
	const code = (err as { code?: string }).code ?? cause?.code;
	const message = err instanceof Error ? err.message : String(err);
	return (code === undefined ? message : `${code}: ${message}`).slice(0, 200);
}
