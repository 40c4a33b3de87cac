// gateway/discord/interaction-claims.ts
// The storage interface of answered interactions: the first instance to claim an interaction id answers it, a replay finds it taken.

export interface InteractionClaims {
	/** True when this call claimed `id` (unix ms `at`); false when it was claimed before, here or on another instance. */
	claim(id: string, at: number): Promise<boolean>;
	/** Forgets claims made before `before` (unix ms): older requests are refused as stale before they get here. */
	forgetBefore(before: number): Promise<void>;
}
