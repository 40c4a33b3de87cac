// roblox/placement.ts
// Where the model may run: only under ServerScriptService (or ServerStorage), which clients never
// receive. Anywhere else its Config, and any key written in it, replicates to every player.

/** Containers whose contents stay on the server. */
const SERVER_ONLY = ["ServerScriptService", "ServerStorage"] as const;

/** Why `instance` must not start the guard where it is, in words; undefined when it is safe. */
export function placementProblem(instance: Instance, what: string): string | undefined {
	for (const className of SERVER_ONLY) {
		if (instance.FindFirstAncestorWhichIsA(className) !== undefined) return undefined;
	}
	return `${what} is at ${instance.GetFullName()}, where clients can read it (and any key written in its Config): move the Technified model into ServerScriptService. If its Config holds the key itself, roll the key: every player could read it.`;
}
