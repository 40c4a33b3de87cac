// shared/envelope.ts
// The JSON envelopes every response is wrapped in (docs/api.md, "API summary").

import type { ErrorCode } from "./errors";

export interface SuccessEnvelope<T> {
	status: "success";
	code: number;
	message: string;
	data: T;
}

export interface ErrorEnvelope {
	status: "error";
	code: number;
	message: string;
	error: ErrorCode;
	/** Seconds until a retry can succeed; present on every 429. */
	retry_after?: number;
	details?: unknown;
}

export type Envelope<T> = SuccessEnvelope<T> | ErrorEnvelope;
